import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { deployPaths } from './paths.js';
import { command, skipUnless } from './tools.js';

describe('alertmanager config', { skip: await skipUnless('amtool') }, () => {
  let dir: string;
  let config: string;

  before(async () => {
    // The config names its template where Alertmanager mounts it; check it with the repository's.
    dir = await mkdtemp(path.join(tmpdir(), 'vpcd-alertmanager-'));
    config = path.join(dir, 'alertmanager.yml');
    const text = await readFile(deployPaths.alertmanager, 'utf8');
    await writeFile(
      config,
      text.replace('/etc/alertmanager/config/vpcd.tmpl', deployPaths.alertmanagerTemplate),
    );
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it('passes amtool check-config, its template included', async () => {
    const out = await command('amtool', ['check-config', config]);
    assert.equal(out.code, 0, out.stdout + out.stderr);
    assert.match(out.stdout, /1 templates/);
  });

  const routes = [
    { labels: ['severity=critical'], receivers: 'pager,chat' },
    { labels: ['severity=warning'], receivers: 'chat' },
    { labels: ['severity=info'], receivers: 'silent' },
    { labels: [], receivers: 'chat' },
  ];
  for (const route of routes) {
    it(`routes ${route.labels.join(' ') || 'an alert without severity'} to ${route.receivers}`, async () => {
      const out = await command('amtool', [
        'config',
        'routes',
        'test',
        `--config.file=${config}`,
        'alertname=NorthdDown',
        'namespace=vpcd',
        ...route.labels,
      ]);
      assert.equal(out.code, 0, out.stderr);
      assert.equal(out.stdout.trim(), route.receivers);
    });
  }
});
