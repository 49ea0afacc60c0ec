import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { defaultExec, OvsDatapath, type ExecFunc } from '@vpcd/hvflowd';
import { ovsSandboxUnavailable, startOvsSandbox, type OvsSandbox } from '@vpcd/hvflowd/testing';
import { skipUnlessRequired } from '@vpcd/observability/testing';

// docs/security.md item 9: the hypervisor agents' securityContext (deploy/base/hv*/daemon-set.yaml)
// is enough for what they do. Each process here runs as the container would: uid 0 with every
// capability gone (setpriv empties the bounding set, so exec leaves root with none) and no
// privilege escalation, plus what the manifest adds back.

const run = promisify(execFile);
const skip = skipUnlessRequired(await ovsSandboxUnavailable());

/** Runs `command` as uid 0 holding only `capabilities`, like a container that drops ALL. */
function confined(capabilities: readonly string[], command: string, args: readonly string[]) {
  const bounding = ['-all', ...capabilities.map((c) => `+${c.toLowerCase()}`)].join(',');
  return {
    command: 'setpriv',
    args: [
      `--bounding-set=${bounding}`,
      '--inh-caps=-all',
      '--ambient-caps=-all',
      '--no-new-privs',
      command,
      ...args,
    ],
  };
}

describe("the hypervisor agents' privileges", { skip }, () => {
  let sandbox: OvsSandbox;
  before(async () => {
    sandbox = await startOvsSandbox();
  });
  after(() => sandbox?.stop());

  it('drives Open vSwitch as uid 0 with no capability at all (hvflowd)', async () => {
    const status = confined([], 'cat', ['/proc/self/status']);
    const { stdout } = await run(status.command, status.args);
    assert.match(stdout, /^CapEff:\s+0+$/m);
    assert.match(stdout, /^CapBnd:\s+0+$/m);
    assert.match(stdout, /^NoNewPrivs:\s+1$/m);

    const base = defaultExec();
    const exec: ExecFunc = (command, args, options) => {
      const c = confined([], command, args);
      return base(c.command, c.args, options);
    };
    const datapath = new OvsDatapath({
      bridge: 'br-int',
      datapathType: 'netdev',
      underlayIp: '192.0.2.10',
      env: sandbox.env,
      exec,
    });
    await datapath.ensureBridge();
    const bound = await datapath.bindPorts([
      { interfaceId: 'if-1', vpcId: 'v', name: 'if-1', ip: '10.0.0.5', mac: '02:00:00:00:00:05' },
    ]);
    assert.ok((bound.portNumbers.get('if-1') ?? 0) > 0);
    assert.deepEqual(bound.unbound, []);
    assert.ok((await datapath.tunnelPort()) > 0);
    const flow = { table: 0, priority: 7, match: '', actions: 'drop', cookie: 0x77n };
    await datapath.applyFlowMods({ add: [flow], remove: [] });
    const flows = await datapath.dumpFlows();
    assert.ok(flows.some((f) => f.cookie === 0x77n && f.priority === 7));
    // ovs-appctl (dpctl/show) too: it opens ovs-vswitchd's pidfile and control socket.
    const stats = await datapath.stats();
    assert.ok(stats.flowCount >= 1);
    assert.ok(stats.datapaths.length >= 1);
  });

  it('binds the DHCP port with NET_BIND_SERVICE and not without it (hvaddr)', async () => {
    // A network namespace of its own: port 67 free, and the default unprivileged port start
    // (1024), whatever the host's sysctl says.
    const bind = (capabilities: readonly string[]) => {
      const c = confined(capabilities, process.execPath, [
        '-e',
        `require('node:dgram').createSocket('udp4')
          .on('error', (e) => { console.log(e.code); process.exit(0); })
          .bind(67, '0.0.0.0', () => { console.log('bound'); process.exit(0); });`,
      ]);
      return run('unshare', ['--net', c.command, ...c.args]).then((r) => r.stdout.trim());
    };
    assert.equal(await bind(['NET_BIND_SERVICE']), 'bound');
    assert.equal(await bind([]), 'EACCES');
  });
});
