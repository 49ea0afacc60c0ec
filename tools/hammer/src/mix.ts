import { HammerError } from './hammer-error.js';

/** Relative weights of the calls: `{ getVpc: 3, listVpcs: 1 }` makes 3 getVpc for each listVpcs. */
export type Mix = Readonly<Record<string, number>>;

/** Reads `createInterface=5,getVpc=3,listVpcs`: a call without a weight weighs 1. */
export function parseMix(text: string): Mix {
  const mix: Record<string, number> = {};
  for (const part of text
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean)) {
    const [name = '', weightText = '1', ...rest] = part.split('=');
    const weight = Number(weightText);
    if (name === '' || rest.length > 0 || !(weight > 0) || !Number.isFinite(weight))
      throw new HammerError('usage', `--mix: "${part}" is not CALL or CALL=WEIGHT (a weight > 0)`);
    mix[name] = (mix[name] ?? 0) + weight;
  }
  if (Object.keys(mix).length === 0) throw new HammerError('usage', '--mix: no calls given');
  return mix;
}

/** Picks calls at random in proportion to their weights. */
export class MixPicker {
  private readonly names: string[];
  private readonly cumulative: number[];
  private readonly total: number;

  constructor(
    mix: Mix,
    private readonly random: () => number = Math.random,
  ) {
    this.names = Object.keys(mix);
    let sum = 0;
    this.cumulative = this.names.map((n) => (sum += mix[n]!));
    this.total = sum;
  }

  pick(): string {
    const x = this.random() * this.total;
    const i = this.cumulative.findIndex((c) => x < c);
    return this.names[i === -1 ? this.names.length - 1 : i]!;
  }
}
