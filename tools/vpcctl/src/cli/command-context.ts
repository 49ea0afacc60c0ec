import type { CallSettings } from '@vpcd/rpc';
import type { Context } from '../commands/command.js';
import { createClients, type Clients } from './clients.js';
import type { Io } from './io.js';
import type { Settings } from './settings.js';

/** The Context of one run: --timeout counts from its creation; clients open on first use. */
export class CommandContext implements Context {
  private opened: Clients | undefined;
  private readonly deadlineMs: number;

  constructor(
    readonly settings: Settings,
    readonly io: Io,
  ) {
    this.deadlineMs = Date.now() + settings.timeoutMs;
  }

  get clients(): Clients {
    this.opened ??= createClients(this.settings, this.io);
    return this.opened;
  }

  remainingMs(): number {
    return Math.max(0, this.deadlineMs - Date.now());
  }

  call(): CallSettings {
    return { deadlineMs: Math.max(1, this.remainingMs()) };
  }

  close(): void {
    this.opened?.close();
  }
}
