import * as prettier from 'prettier';

/** `text` as Prettier writes it at `filePath` (the repository's .prettierrc applies). */
export async function formatLike(filePath: string, text: string): Promise<string> {
  const config = (await prettier.resolveConfig(filePath)) ?? {};
  return prettier.format(text, { ...config, filepath: filePath });
}
