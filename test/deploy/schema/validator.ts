import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { Ajv, type ValidateFunction } from 'ajv';
import { deployPaths } from '../paths.js';
import { embeddedTypes, kindKey, kinds } from './kinds.js';
import { UnknownFieldChecker, type TypeRef } from './unknown-fields.js';

type Validate = (value: unknown) => string[];

/** A model class of kubernetes-models: construct, then validate() throws on a schema error. */
type ModelClass = new (data: unknown) => { validate(): void };

/**
 * Validates Kubernetes objects offline against the schema of their kind, unknown fields
 * included: see ./kinds.ts for where each schema comes from. Build it once (loading the model
 * types takes a few seconds) and reuse it.
 */
export class ManifestValidator {
  private constructor(private readonly byKind: ReadonlyMap<string, Validate>) {}

  static async create(): Promise<ManifestValidator> {
    const refs: TypeRef[] = [
      ...[...kinds.values()].flatMap((k) => (k.source === 'model' ? [k.type] : [])),
      ...[...embeddedTypes.values()].map((e) => e.type),
    ];
    const fields = new UnknownFieldChecker(refs);
    const modelValidator = async (module: string, className: string, type: TypeRef) => {
      const loaded = (await import(module)) as Record<string, ModelClass>;
      const Model = loaded[className];
      if (Model === undefined) throw new Error(`${module} has no ${className}`);
      return (value: unknown): string[] => [
        ...modelProblems(Model, value),
        ...fields.check(type, value),
      ];
    };
    const embedded = new Map<string, Validate>();
    for (const [name, e] of embeddedTypes) {
      embedded.set(name, await modelValidator(e.module, e.className, e.type));
    }
    const ajv = new Ajv({ allErrors: true, strict: true, allowUnionTypes: true });
    // Custom-resource schemas embed Kubernetes types by name; those are checked as the kinds are.
    const nested: string[] = [];
    ajv.addKeyword({
      keyword: 'x-kubernetes-model',
      schemaType: 'string',
      validate: (name: string, data: unknown, _schema: unknown, ctx?: { instancePath: string }) => {
        const check = embedded.get(name);
        if (check === undefined) throw new Error(`unknown embedded model ${name}`);
        nested.push(
          ...check(data).map(
            (p) => `${ctx?.instancePath ?? ''}${p.startsWith('.') ? '' : ': '}${p}`,
          ),
        );
        return true;
      },
    });
    const byKind = new Map<string, Validate>();
    for (const [kind, schema] of kinds) {
      if (schema.source === 'model') {
        byKind.set(kind, await modelValidator(schema.module, schema.className, schema.type));
        continue;
      }
      const json = JSON.parse(
        await readFile(path.join(deployPaths.schemas, schema.file), 'utf8'),
      ) as object;
      const validate: ValidateFunction = ajv.compile(json);
      byKind.set(kind, (value) => {
        nested.length = 0;
        const problems = validate(value)
          ? []
          : (validate.errors ?? []).map(
              (e) =>
                `${e.instancePath || '.'}: ${e.message ?? e.keyword}` +
                (e.keyword === 'additionalProperties'
                  ? ` (${String((e.params as { additionalProperty?: string }).additionalProperty)})`
                  : ''),
            );
        return [...problems, ...nested];
      });
    }
    return new ManifestValidator(byKind);
  }

  /** The problems of one object, each naming the field; empty when it is valid. */
  validate(object: Record<string, unknown>): string[] {
    const check = this.byKind.get(kindKey(object));
    if (check === undefined) return [`${kindKey(object)}: no schema for this kind`];
    return check(object);
  }
}

function modelProblems(Model: ModelClass, value: unknown): string[] {
  try {
    new Model(value).validate();
    return [];
  } catch (err) {
    const e = err as {
      message?: string;
      errors?: Array<{ instancePath?: string; message?: string }>;
    };
    if (Array.isArray(e.errors) && e.errors.length > 0) {
      return e.errors.map((x) => `${x.instancePath || '.'}: ${x.message ?? 'invalid'}`);
    }
    return [String(e.message ?? err)];
  }
}
