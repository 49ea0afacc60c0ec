import path from 'node:path';
import ts from 'typescript';
import { repoRoot } from '../paths.js';

/** A type to check against: the module that exports it and the interface's name. */
export interface TypeRef {
  readonly module: string;
  readonly name: string;
}

/**
 * Finds fields that a Kubernetes object's schema does not define. The JSON schemas of
 * kubernetes-models validate types, required fields and formats but let unknown fields through
 * (as the API server does, silently dropping them); the models' TypeScript declarations, generated
 * from the same OpenAPI schemas, list every field, so this walks an object along its declared type
 * and names every field that no type on the way declares. Maps (`labels`, `data`...) and
 * free-form fields (`any`) accept any key.
 */
export class UnknownFieldChecker {
  private readonly checker: ts.TypeChecker;
  private readonly types = new Map<string, ts.Type>();

  constructor(refs: readonly TypeRef[]) {
    // A virtual module beside the test package's node_modules, so the imports resolve.
    const file = path.join(repoRoot, 'test/deploy/__schema_types__.ts');
    const source = [
      ...refs.map((r, i) => `import type { ${r.name} as T${i} } from '${r.module}';`),
      'export interface Types {',
      ...refs.map((r, i) => `  ${JSON.stringify(key(r))}: T${i};`),
      '}',
    ].join('\n');
    const options: ts.CompilerOptions = {
      strict: true,
      noEmit: true,
      skipLibCheck: true,
      types: [],
      target: ts.ScriptTarget.ES2022,
      module: ts.ModuleKind.ESNext,
      moduleResolution: ts.ModuleResolutionKind.Bundler,
    };
    const host = ts.createCompilerHost(options);
    const getSourceFile = host.getSourceFile.bind(host);
    const fileExists = host.fileExists.bind(host);
    host.getSourceFile = (name, language, ...rest) =>
      name === file
        ? ts.createSourceFile(name, source, language)
        : getSourceFile(name, language, ...rest);
    host.fileExists = (name) => name === file || fileExists(name);
    const program = ts.createProgram([file], options, host);
    const problems = ts
      .getPreEmitDiagnostics(program)
      .map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'));
    if (problems.length > 0)
      throw new Error(`cannot load the model types:\n${problems.join('\n')}`);
    this.checker = program.getTypeChecker();
    const types = program.getSourceFile(file)!.statements.find(ts.isInterfaceDeclaration)!;
    const typesType = this.checker.getTypeAtLocation(types);
    for (const ref of refs) {
      this.types.set(key(ref), this.checker.getTypeOfSymbol(typesType.getProperty(key(ref))!));
    }
  }

  /** Every unknown field of `value` as `<path>: unknown field`, in document order. */
  check(ref: TypeRef, value: unknown): string[] {
    const type = this.types.get(key(ref));
    if (type === undefined) throw new Error(`${key(ref)} was not loaded`);
    const problems: string[] = [];
    this.walk(value, type, '', problems);
    return problems;
  }

  private walk(value: unknown, type: ts.Type, at: string, problems: string[]): void {
    if (value === null || typeof value !== 'object') return;
    if (type.flags & (ts.TypeFlags.Any | ts.TypeFlags.Unknown)) return;
    const candidates = (type.isUnion() ? type.types : [type]).filter(
      (t) => !(t.flags & (ts.TypeFlags.Undefined | ts.TypeFlags.Null)),
    );
    if (Array.isArray(value)) {
      const element = candidates
        .filter((t) => this.checker.isArrayType(t))
        .map((t) => this.checker.getTypeArguments(t as ts.TypeReference)[0])
        .find((t) => t !== undefined);
      // Not a list in the schema: the type check of the model reports it.
      if (element === undefined) return;
      value.forEach((item, i) => this.walk(item, element, `${at}[${i}]`, problems));
      return;
    }
    const objects = candidates.filter(
      (t) => t.flags & ts.TypeFlags.Object && !this.checker.isArrayType(t),
    );
    if (objects.length === 0) return;
    for (const [field, item] of Object.entries(value)) {
      const next = this.fieldType(objects, field);
      if (next === undefined) problems.push(`${at}.${field}: unknown field`);
      else this.walk(item, next, `${at}.${field}`, problems);
    }
  }

  private fieldType(objects: readonly ts.Type[], field: string): ts.Type | undefined {
    for (const t of objects) {
      const property = t.getProperty(field);
      if (property) return this.checker.getTypeOfSymbol(property);
      const index = this.checker.getIndexInfoOfType(t, ts.IndexKind.String);
      if (index) return index.type;
    }
    return undefined;
  }
}

function key(ref: TypeRef): string {
  return `${ref.module}#${ref.name}`;
}
