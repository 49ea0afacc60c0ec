import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import { needsService } from '@vpcd/observability/testing';
import { acceptsAmqp, privateRabbitmq } from './private-rabbitmq.js';

/** A vhost of a test's own; `drop` deletes it with everything in it, and the users it added. */
export interface TestVhost {
  readonly url: string;
  drop(): Promise<void>;
  /**
   * Adds a broker user (named `<prefix>-<pid>-<random>`: users are global, not per vhost) with
   * these permissions (RabbitMQ regular expressions) on this vhost only, and returns the vhost's
   * URL with its credentials. Undefined with `AMQP_URL`, where users cannot be managed.
   */
  addUser?: (prefix: string, permissions: BrokerPermissions) => Promise<string>;
  /** Sets a policy on this vhost (`rabbitmqctl set_policy`); undefined with `AMQP_URL`. */
  setPolicy?: (policy: BrokerPolicy) => Promise<void>;
  /** Messages ready in a queue of this vhost (`rabbitmqctl list_queues`); undefined likewise. */
  queueLength?: (queue: string) => Promise<number>;
}

/** A RabbitMQ policy, as the Messaging Topology Operator's `Policy` spec names its fields. */
export interface BrokerPolicy {
  readonly name: string;
  readonly pattern: string;
  readonly applyTo?: string;
  readonly priority?: number;
  readonly definition: Readonly<Record<string, unknown>>;
}

/** RabbitMQ permissions of a user on a vhost: regular expressions over resource names. */
export interface BrokerPermissions {
  readonly configure: string;
  readonly write: string;
  readonly read: string;
}

interface Target {
  readonly url: string;
  /** Absent for AMQP_URL: that broker is used as given. */
  readonly rabbitmqctl?: (args: string[]) => Promise<string>;
}

const localUrl = 'amqp://guest:guest@127.0.0.1:5672';
let target: Promise<Target> | undefined;
let privateTarget: Promise<Target> | undefined;

/**
 * The broker for tests: `AMQP_URL` when set, else the standard local port when it answers, else
 * a private node started once for this process (it stops when the process exits). Tests share
 * it: give queues and exchanges names from uniqueName(), or use testVhostUrl().
 */
export async function testBrokerUrl(): Promise<string> {
  return (await testTarget()).url;
}

/**
 * A fresh vhost on the test broker, for suites whose queue names are fixed. On the shared local
 * broker it is made with `rabbitmqctl` (root or the rabbitmq user may run it); when that fails,
 * on a private node. With `AMQP_URL` the URL is returned as it is and `drop` does nothing.
 */
export async function testVhostUrl(): Promise<TestVhost> {
  const vhost = uniqueName('vpcd-test');
  let chosen = await testTarget();
  if (!chosen.rabbitmqctl) return { url: chosen.url, drop: () => Promise.resolve() };
  try {
    await addVhost(chosen, vhost);
  } catch {
    privateTarget ??= startPrivate();
    chosen = await privateTarget;
    await addVhost(chosen, vhost);
  }
  const ctl = chosen.rabbitmqctl;
  const url = `${chosen.url}/${encodeURIComponent(vhost)}`;
  const users: string[] = [];
  return {
    url,
    drop: async () => {
      await ctl?.(['delete_vhost', vhost]);
      for (const user of users) await ctl?.(['delete_user', user]);
    },
    addUser: async (prefix, permissions) => {
      const user = uniqueName(prefix);
      const password = randomBytes(12).toString('hex');
      users.push(user);
      await ctl?.(['add_user', user, password]);
      const { configure, write, read } = permissions;
      await ctl?.(['set_permissions', '-p', vhost, user, configure, write, read]);
      const withUser = new URL(url);
      withUser.username = user;
      withUser.password = password;
      return withUser.toString();
    },
    setPolicy: async (p) => {
      await ctl?.([
        'set_policy',
        '-p',
        vhost,
        '--apply-to',
        p.applyTo ?? 'all',
        '--priority',
        String(p.priority ?? 0),
        p.name,
        p.pattern,
        JSON.stringify(p.definition),
      ]);
    },
    queueLength: async (queue) => {
      const out = (await ctl?.(['-q', 'list_queues', '-p', vhost, 'name', 'messages'])) ?? '';
      const row = out
        .split('\n')
        .map((line) => line.trim().split(/\s+/))
        .find(([name]) => name === queue);
      if (row === undefined) throw new Error(`no queue ${queue} in vhost ${vhost}`);
      return Number(row[1]);
    },
  };
}

/** `<prefix>-<pid>-<random>`: a name no other test, file or run uses. */
export function uniqueName(prefix: string): string {
  return `${prefix}-${process.pid}-${randomBytes(4).toString('hex')}`;
}

function testTarget(): Promise<Target> {
  needsService('RabbitMQ');
  target ??= resolveTarget();
  return target;
}

async function resolveTarget(): Promise<Target> {
  const fromEnv = process.env.AMQP_URL;
  if (fromEnv) return { url: fromEnv };
  if (await acceptsAmqp(localUrl)) {
    return {
      url: localUrl,
      rabbitmqctl: async (args) => (await promisify(execFile)('rabbitmqctl', args)).stdout,
    };
  }
  privateTarget ??= startPrivate();
  return privateTarget;
}

async function startPrivate(): Promise<Target> {
  const node = await privateRabbitmq();
  return { url: node.url, rabbitmqctl: (args) => node.rabbitmqctl(args) };
}

async function addVhost(target: Target, vhost: string): Promise<void> {
  await target.rabbitmqctl?.(['add_vhost', vhost]);
  await target.rabbitmqctl?.(['set_permissions', '-p', vhost, 'guest', '.*', '.*', '.*']);
}
