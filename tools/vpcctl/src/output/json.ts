/** Pretty-printed JSON with a final newline; values come from the messages' generated toJSON. */
export function renderJson(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`;
}
