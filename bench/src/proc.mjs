// Child processes of the bench: spawned pinned to one core (taskset), spoken to over the Node IPC
// channel with small JSON messages, and always torn down, even when the orchestrator fails.
import { spawn, execFileSync } from 'node:child_process';
import process from 'node:process';
import { URL, fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { setTimeout, clearTimeout } from 'node:timers';

const live = new Set();

function killAll() {
  for (const child of live) {
    try {
      child.kill('SIGKILL');
    } catch {
      // already gone
    }
  }
  live.clear();
}

let hooked = false;
function hookTeardown() {
  if (hooked) return;
  hooked = true;
  process.on('exit', killAll);
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
    process.on(signal, () => {
      killAll();
      process.exit(130);
    });
  }
}

let tasksetChecked;
/** True when `taskset` exists and the machine has the cores we pin to. */
export function canPin(cores) {
  if (tasksetChecked === undefined) {
    try {
      execFileSync('taskset', ['-c', String(Math.max(...cores)), 'true'], { stdio: 'ignore' });
      tasksetChecked = true;
    } catch {
      tasksetChecked = false;
    }
  }
  return tasksetChecked;
}

/**
 * A bench child process: `script` (relative to bench/src) run by node, pinned to `core` when
 * possible, with `config` as its one argument (JSON).
 */
export class Child {
  constructor(script, config, { core, nodeArgs = [], label = script } = {}) {
    hookTeardown();
    this.label = label;
    this.messages = [];
    this.waiters = [];
    this.stderr = '';
    this.exited = false;
    const file = fileURLToPath(new URL(script, import.meta.url));
    const args = [...nodeArgs, file, JSON.stringify(config)];
    const pinned = core !== undefined && canPin([core]);
    const [cmd, argv] = pinned
      ? ['taskset', ['-c', String(core), process.execPath, ...args]]
      : [process.execPath, args];
    this.pinned = pinned;
    this.proc = spawn(cmd, argv, { stdio: ['ignore', 'inherit', 'pipe', 'ipc'] });
    live.add(this.proc);
    this.proc.stderr.setEncoding('utf8');
    this.proc.stderr.on('data', (chunk) => {
      // keep the tail only: it goes into error messages
      this.stderr = (this.stderr + chunk).slice(-4000);
    });
    this.proc.on('message', (msg) => this.onMessage(msg));
    this.exitPromise = new Promise((resolve) => {
      this.proc.on('exit', (code, signal) => {
        this.exited = true;
        live.delete(this.proc);
        const error = new Error(
          `${this.label} exited (${signal ?? code}) ${this.stderr ? `\n--- stderr ---\n${this.stderr}` : ''}`,
        );
        for (const w of this.waiters.splice(0)) w.reject(error);
        resolve({ code, signal });
      });
    });
    this.proc.on('error', (err) => {
      for (const w of this.waiters.splice(0)) w.reject(err);
    });
  }

  onMessage(msg) {
    if (msg && msg.type === 'error') {
      const err = new Error(`${this.label}: ${msg.message}`);
      for (const w of this.waiters.splice(0)) w.reject(err);
      return;
    }
    const i = this.waiters.findIndex((w) => w.type === msg.type);
    if (i >= 0) {
      const [w] = this.waiters.splice(i, 1);
      w.resolve(msg);
    } else {
      this.messages.push(msg);
    }
  }

  /** Resolves with the next message of `type` (or one already received). */
  waitFor(type, timeoutMs = 60_000) {
    const i = this.messages.findIndex((m) => m.type === type);
    if (i >= 0) return Promise.resolve(this.messages.splice(i, 1)[0]);
    if (this.exited) return Promise.reject(new Error(`${this.label} already exited${this.stderr ? `: ${this.stderr}` : ''}`));
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        const k = this.waiters.indexOf(waiter);
        if (k >= 0) this.waiters.splice(k, 1);
        reject(new Error(`${this.label}: no '${type}' within ${timeoutMs} ms${this.stderr ? `\n${this.stderr}` : ''}`));
      }, timeoutMs);
      const waiter = {
        type,
        resolve: (m) => {
          clearTimeout(timer);
          resolve(m);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      };
      this.waiters.push(waiter);
    });
  }

  send(msg) {
    if (!this.exited && this.proc.connected) this.proc.send(msg);
  }

  /** Sends `msg` and waits for the reply of type `replyType`. */
  request(msg, replyType, timeoutMs) {
    const reply = this.waitFor(replyType, timeoutMs);
    this.send(msg);
    return reply;
  }

  /** Asks the child to exit, then kills it if it has not within `graceMs`. */
  async stop(graceMs = 2000) {
    if (this.exited) return;
    this.send({ type: 'exit' });
    const done = await Promise.race([this.exitPromise.then(() => true), sleep(graceMs).then(() => false)]);
    if (!done) {
      this.proc.kill('SIGKILL');
      await this.exitPromise;
    }
  }
}

/**
 * Child side: sends a message to the orchestrator. A child whose orchestrator vanished exits.
 */
export function toParent(msg) {
  if (process.send) process.send(msg);
}

export function childSetup(onMessage) {
  process.on('disconnect', () => process.exit(0));
  process.on('message', (msg) => {
    if (msg && msg.type === 'exit') {
      Promise.resolve(onMessage?.(msg)).finally(() => process.exit(0));
      return;
    }
    Promise.resolve()
      .then(() => onMessage?.(msg))
      .catch((err) => {
        toParent({ type: 'error', message: String(err?.stack ?? err) });
      });
  });
  const fatal = (err) => {
    toParent({ type: 'error', message: String(err?.stack ?? err) });
    process.exit(1);
  };
  process.on('uncaughtException', fatal);
  process.on('unhandledRejection', fatal);
  return JSON.parse(process.argv[2] ?? '{}');
}
