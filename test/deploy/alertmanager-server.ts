import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PrivateProcess } from './private-process.js';

export interface AlertmanagerOptions {
  /** The configuration, as YAML; see localAlertmanagerConfig for the repository's, run here. */
  readonly config: string;
  readonly startTimeoutMs?: number;
}

/** An alert as `GET /api/v2/alerts` returns it (the fields the tests read). */
export interface AlertmanagerAlert {
  readonly labels: Readonly<Record<string, string>>;
  readonly annotations: Readonly<Record<string, string>>;
  readonly startsAt: string;
  readonly endsAt: string;
  readonly fingerprint: string;
  readonly receivers: ReadonlyArray<{ readonly name: string }>;
  readonly status: {
    /** `suppressed`: silenced or inhibited (by the critical level of the same alert, say). */
    readonly state: 'active' | 'suppressed' | 'unprocessed';
    readonly inhibitedBy: readonly string[];
    readonly silencedBy: readonly string[];
  };
}

/**
 * A private Alertmanager from the installed binary (Debian's `prometheus-alertmanager`): its own
 * temporary storage, a free port on 127.0.0.1, clustering off (a single instance gossips with
 * no one, and would otherwise take port 9094). `close()` stops it and deletes its data.
 */
export class PrivateAlertmanager {
  private constructor(
    private readonly server: PrivateProcess,
    private readonly dir: string,
  ) {}

  get url(): string {
    return this.server.url;
  }

  static async start(options: AlertmanagerOptions): Promise<PrivateAlertmanager> {
    const dir = await mkdtemp(path.join(tmpdir(), 'vpcd-alertmanager-'));
    await writeFile(path.join(dir, 'alertmanager.yml'), options.config);
    try {
      const server = await PrivateProcess.start({
        command: 'prometheus-alertmanager',
        args: (port) => [
          `--config.file=${path.join(dir, 'alertmanager.yml')}`,
          `--storage.path=${path.join(dir, 'data')}`,
          `--web.listen-address=127.0.0.1:${port}`,
          '--cluster.listen-address=',
          '--log.level=warn',
        ],
        readyPath: '/-/ready',
        startTimeoutMs: options.startTimeoutMs,
      });
      return new PrivateAlertmanager(server, dir);
    } catch (err) {
      await rm(dir, { recursive: true, force: true });
      throw err;
    }
  }

  /**
   * The alerts Alertmanager holds that have not resolved (`GET /api/v2/alerts`); with
   * `activeOnly`, neither silenced, inhibited nor unprocessed ones. `filter` takes label
   * matchers such as `alertname="NorthdDown"`.
   */
  async alerts(
    options: { filter?: readonly string[]; activeOnly?: boolean } = {},
  ): Promise<AlertmanagerAlert[]> {
    const query = new URLSearchParams();
    for (const f of options.filter ?? []) query.append('filter', f);
    if (options.activeOnly) {
      query.set('silenced', 'false');
      query.set('inhibited', 'false');
      query.set('unprocessed', 'false');
    }
    const response = await fetch(`${this.url}/api/v2/alerts?${query.toString()}`);
    if (!response.ok) throw new Error(`GET /api/v2/alerts: HTTP ${response.status}`);
    return (await response.json()) as AlertmanagerAlert[];
  }

  async close(): Promise<void> {
    await this.server.stop();
    await rm(this.dir, { recursive: true, force: true });
  }
}
