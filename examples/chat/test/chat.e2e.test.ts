/*
 * The chat in a real browser: Debian's Chromium driven by playwright-core, against the chat server
 * running as its own process (so "restart" means a new process on the same port).
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { describeInChromium, launchChromium } from '../../../test/support/chromium.js';

const chatDir = join(__dirname, '..');
const repoRoot = join(chatDir, '..', '..');
const outDir = join(repoRoot, 'test-output');

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

function startServer(port: number): Promise<ChildProcess> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(chatDir, 'dist', 'main.js')], {
      env: { ...process.env, PORT: String(port), HOST: '127.0.0.1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    const onData = (chunk: Buffer) => {
      out += chunk.toString();
      if (out.includes('emitwire chat on')) resolve(child);
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.once('exit', (code) => reject(new Error(`chat server exited (${code}) before listening:\n${out}`)));
  });
}

function stopServer(child: ChildProcess | undefined): Promise<void> {
  if (child === undefined || child.exitCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}

/** How far page A's clock is ahead of the server's. */
const CLOCK_SKEW_MS = (3 * 60 + 17) * 60_000;

const messages = (page: Page) => page.getByTestId('messages');

/**
 * An init script: keeps in `window.__statuses` each text the status element shows, from the moment
 * it is parsed (so the one before the first connect is seen too).
 */
function recordStatus(): void {
  const seen: string[] = [];
  (window as unknown as { __statuses: string[] }).__statuses = seen;
  new MutationObserver(() => {
    const text = document.getElementById('status')?.textContent ?? '';
    if (text !== '' && text !== seen[seen.length - 1]) seen.push(text);
  }).observe(document, { subtree: true, childList: true, characterData: true });
}

async function waitStatus(page: Page, status: string): Promise<void> {
  await page.waitForFunction((s) => document.body.dataset.status === s, status, { timeout: 15_000 });
}

async function send(page: Page, text: string): Promise<void> {
  const input = page.getByTestId('message-input');
  await input.fill(text);
  await input.press('Enter');
}

async function myName(page: Page): Promise<string> {
  return page.getByTestId('nick-input').inputValue();
}

describeInChromium('the chat browser e2e test')('chat in Chromium', () => {
  let browser: Browser;
  let server: ChildProcess | undefined;
  let port: number;
  let url: string;

  beforeAll(async () => {
    for (const pkg of ['server', 'client']) {
      if (!existsSync(join(repoRoot, 'packages', pkg, 'dist'))) {
        throw new Error(`packages/${pkg}/dist is missing: run \`pnpm build\` first (\`pnpm test\` does)`);
      }
    }
    execFileSync(process.execPath, [join(chatDir, 'scripts', 'build.mjs')], { stdio: 'inherit' });
    mkdirSync(outDir, { recursive: true });
    port = await freePort();
    url = `http://127.0.0.1:${port}/`;
    server = await startServer(port);
    browser = await launchChromium();
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await stopServer(server);
  });

  test('people chat, privately, in rooms, literally, with history, join and rename notices, and across a server restart', async () => {
    const [ctxA, ctxB, ctxC] = await Promise.all([browser.newContext(), browser.newContext(), browser.newContext()]);
    try {
      // A's clock runs 3 h 17 min ahead of the server's, so A's own messages must show the server's time
      await ctxA.addInitScript((skew) => {
        const real = Date.now;
        Date.now = () => real() + skew;
      }, CLOCK_SKEW_MS);
      await ctxA.addInitScript(recordStatus);
      const [a, b, c] = await Promise.all([ctxA.newPage(), ctxB.newPage(), ctxC.newPage()]);
      for (const p of [a, b]) await p.goto(url);
      await Promise.all([a, b].map((p) => waitStatus(p, 'connected')));
      // what A's status read from the start: 'connecting' until the first connect, nothing else
      await expect(a.evaluate(() => (window as unknown as { __statuses: string[] }).__statuses)).resolves.toEqual([
        'connecting',
        'connected',
      ]);
      const nameA = await myName(a);
      const nameB = await myName(b);
      expect(nameA).toMatch(/^guest-\d+$/);
      expect(nameA).not.toBe(nameB);

      // A's message appears for B with A's name, and A sees it delivered (the server's ack)
      await send(a, 'hello from A');
      await messages(b).getByText('hello from A').waitFor();
      await expect(messages(b).locator('li', { hasText: 'hello from A' }).locator('.from').textContent()).resolves.toBe(`${nameA}:`);
      const ownA = a.locator('li.own[data-delivered="true"]', { hasText: 'hello from A' });
      await ownA.waitFor();
      // the ack carries the server's timestamp and A shows it, as B does (not A's clock)
      const atB = messages(b).locator('li', { hasText: 'hello from A' });
      const ts = Number(await ownA.getAttribute('data-ts'));
      expect(Math.abs(ts - Date.now())).toBeLessThan(60_000);
      await expect(atB.getAttribute('data-ts')).resolves.toBe(String(ts));
      await expect(ownA.locator('.time').textContent()).resolves.toBe(await atB.locator('.time').textContent());

      // a third page joins: it shows the room's earlier messages (history), and A its "joined" notice
      await c.goto(url);
      await waitStatus(c, 'connected');
      await messages(c).getByText('hello from A').waitFor();
      await expect(messages(c).locator('li', { hasText: 'hello from A' }).locator('.from').textContent()).resolves.toBe(`${nameA}:`);
      const nameC = await myName(c);
      expect(nameC).toMatch(/^guest-\d+$/);
      await messages(a).getByText(`${nameC} joined #general`, { exact: true }).waitFor();

      // a private message reaches only its target
      await a.getByTestId('members').getByText(nameB, { exact: true }).click();
      await send(a, 'only for B');
      await messages(b).getByText('only for B').waitFor();
      await expect(messages(b).locator('li.private', { hasText: 'only for B' }).locator('.from').textContent()).resolves.toBe(
        `(private) from ${nameA}:`,
      );
      await a.locator('li.own[data-delivered="true"]', { hasText: 'only for B' }).waitFor();
      await a.getByTestId('pm-target').click(); // back to the room

      // HTML-looking text stays literal
      const evil = '<img src=x onerror="window.__pwned=1"><b>bold</b>';
      await send(a, evil);
      await messages(b).getByText(evil, { exact: true }).waitFor();
      expect(await messages(b).locator('b, img').count()).toBe(0);
      expect(await b.evaluate(() => (window as unknown as { __pwned?: number }).__pwned)).toBeUndefined();

      // a room message stays in its room
      await b.getByTestId('room-input').fill('#dev');
      await b.getByTestId('room-input').press('Enter');
      await messages(b).getByText('You are in #dev').waitFor();
      await send(b, 'dev only');
      await b.locator('li.own[data-delivered="true"]', { hasText: 'dev only' }).waitFor();
      await send(a, 'general only');
      await messages(c).getByText('general only').waitFor();
      await a.locator('li.own[data-delivered="true"]', { hasText: 'general only' }).waitFor();
      expect(await messages(b).getByText('general only').count()).toBe(0);
      expect(await messages(a).getByText('dev only').count()).toBe(0);
      expect(await messages(c).getByText('only for B').count()).toBe(0);

      await a.screenshot({ path: join(outDir, 'chat-before-restart.png') });

      // the server process restarts; both pages say so, reconnect by themselves and chat again
      await stopServer(server);
      await Promise.all([waitStatus(a, 'reconnecting'), waitStatus(b, 'reconnecting')]);
      server = await startServer(port);
      await Promise.all([waitStatus(a, 'connected'), waitStatus(b, 'connected')]);
      await expect(myName(a)).resolves.toBe(nameA); // the name survives the reconnect (handshake auth)
      await b.getByTestId('room-input').fill('#general');
      await b.getByTestId('room-input').press('Enter');
      await messages(b).getByText('You are in #general').waitFor();
      await send(a, 'after the restart');
      await messages(b).getByText('after the restart').waitFor();
      await send(b, 'B after the restart too');
      await messages(a).getByText('B after the restart too').waitFor();

      // A renames through the name box: B sees the notice and the new name in its online list
      await a.getByTestId('nick-input').fill('Alice');
      await a.getByTestId('nick-input').press('Enter');
      await messages(b).getByText(`${nameA} is now Alice`, { exact: true }).waitFor();
      await b.getByTestId('members').getByText('Alice', { exact: true }).waitFor();
      expect(await b.getByTestId('members').getByText(nameA, { exact: true }).count()).toBe(0);

      await a.screenshot({ path: join(outDir, 'chat-a.png') });
      await b.screenshot({ path: join(outDir, 'chat-b.png') });
    } finally {
      await Promise.all([ctxA.close(), ctxB.close(), ctxC.close()]);
    }
  }, 90_000);

  test('a typing hint shows for the others and goes when its typer sends, changes room or leaves', async () => {
    const [ctxA, ctxB] = await Promise.all([browser.newContext(), browser.newContext()]);
    try {
      const [a, b] = await Promise.all([ctxA.newPage(), ctxB.newPage()]);
      for (const p of [a, b]) await p.goto(url);
      await Promise.all([a, b].map((p) => waitStatus(p, 'connected')));
      const nameA = await myName(a);
      const typing = b.getByTestId('typing');
      const hintGone = () => b.waitForFunction(() => document.querySelector('[data-testid="typing"]')?.textContent === '', undefined, { timeout: 2000 });
      const input = a.getByTestId('message-input');

      // typing shows for B; sending ends it at once (well before the hint's own 4 s)
      await input.pressSequentially('hel');
      await typing.getByText(`${nameA} is typing…`).waitFor();
      await input.press('Enter');
      await hintGone();

      // B changes room while A types: the hint was #general's, B's new room shows none
      await input.pressSequentially('x');
      await typing.getByText(`${nameA} is typing…`).waitFor();
      await b.getByTestId('room-input').fill('#typing-test');
      await b.getByTestId('room-input').press('Enter');
      await messages(b).getByText('You are in #typing-test').waitFor();
      expect(await typing.textContent()).toBe('');
      await b.getByTestId('room-input').fill('#general');
      await b.getByTestId('room-input').press('Enter');
      await messages(b).getByText('You are in #general').waitFor();

      // A types, then closes the page: the hint goes with the "left" notice, not 4 s later
      await input.press('Enter'); // sends 'x' and resets A's typing throttle
      await input.pressSequentially('y');
      await typing.getByText(`${nameA} is typing…`).waitFor();
      await ctxA.close();
      await messages(b).getByText(`${nameA} left #general`).waitFor();
      expect(await typing.textContent()).toBe('');
    } finally {
      await Promise.all([ctxA.close(), ctxB.close()]);
    }
  }, 60_000);
});
