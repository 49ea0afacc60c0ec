/** Names and address ranges of what one run creates: unique by its run id. */
export class RunNames {
  private vpcCount = 0;
  private interfaceCount = 0;

  constructor(readonly runId: string) {}

  get project(): string {
    return `hammer-${this.runId}`;
  }

  chassis(i: number): string {
    return `hammer-${this.runId}-hv${i}`;
  }

  /** 198.18.0.0/15 is the benchmarking range (RFC 2544): no real underlay uses it. */
  underlayIp(i: number): string {
    return `198.18.${(i >> 8) & 255}.${(i & 255) + 1}`;
  }

  /** `.invalid` never resolves (RFC 2606), so no southd can reach a hammer chassis. */
  hvflowdAddr(i: number): string {
    return `${this.chassis(i)}.invalid:50053`;
  }

  /** Set-up VPC i: 10.i.0.0/16, room for many interfaces. */
  baseVpc(i: number): { name: string; cidr: string } {
    return { name: `hammer-${this.runId}-${i}`, cidr: `10.${i}.0.0/16` };
  }

  /**
   * The next VPC createVpc makes: /24s from 10.64.0.0 up, clear of the set-up ones (at most 64).
   * After 49,152 of them the ranges repeat and northd refuses the overlap.
   */
  nextVpc(): { name: string; cidr: string } {
    const k = this.vpcCount++;
    const block = k % (192 * 256);
    return {
      name: `hammer-${this.runId}-v${k}`,
      cidr: `10.${64 + (block >> 8)}.${block & 255}.0/24`,
    };
  }

  nextInterface(): string {
    return `hammer-${this.runId}-i${this.interfaceCount++}`;
  }
}

/** Most VPCs --setup makes: they take 10.0.0.0/16 to 10.63.0.0/16. */
export const maxSetupVpcs = 64;
