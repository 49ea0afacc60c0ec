const dnsLabel = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;

/** The problem with a name that must be a DNS label (RFC 1123), or undefined when it is one. */
export function dnsLabelProblem(name: string): string | undefined {
  if (name === '') return 'required';
  if (name.length > 63) return `at most 63 characters (got ${name.length})`;
  if (!dnsLabel.test(name)) {
    return 'a DNS label: lower-case letters, digits and "-", starting and ending with a letter or digit';
  }
  return undefined;
}
