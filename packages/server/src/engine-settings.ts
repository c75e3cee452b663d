/*
 * What the connections of one server share: the heartbeat timing and its two deadline queues, the
 * open packet's template, and the last URL, address and headers seen (so that connections from
 * similar clients share those strings and objects instead of holding copies).
 */
import { encodeOpenPacket } from '@emitwire/protocol';
import { DeadlineQueue } from './deadline-queue.js';
import type { EngineConnection } from './engine-connection.js';
import type { HeaderTemplates } from './header-template.js';

/** Settings shared by the connections of one server. */
export interface EngineSettings {
  pingInterval: number;
  pingTimeout: number;
  maxPayload: number;
  maxBacklog: number;
  /** Connections waiting to send their next ping. */
  pings: DeadlineQueue<EngineConnection>;
  /** Connections waiting for a pong. */
  pongs: DeadlineQueue<EngineConnection>;
  /** The open packet before its sid: only the sid changes from one connection to the next. */
  openPrefix: string;
  /** The open packet after its sid. */
  openSuffix: string;
  /** The last upgrade URL seen: clients mostly send the same one, and then share one string. */
  lastUrl: string;
  /** What the connections share of their upgrade requests' headers (header-template.ts). */
  headers: HeaderTemplates;
  /** The last client address seen (clients behind one proxy, or on one host, share it). */
  lastAddress: string;
  /** `Date.now()` when the settings were made: `issued` is kept as an offset from it (see EngineConnection's `issuedAt`). */
  epoch: number;
}

/** Builds the settings of a server's connections (and their two heartbeat timers). */
export function engineSettings(options: Pick<EngineSettings, 'pingInterval' | 'pingTimeout' | 'maxPayload' | 'maxBacklog'>): EngineSettings {
  const { pingInterval, pingTimeout, maxPayload, maxBacklog } = options;
  // a sid is base64url (id.ts): JSON needs no escape for it, so the template is exact
  const marker = 'SID';
  const sample = encodeOpenPacket({ sid: marker, upgrades: [], pingInterval, pingTimeout, maxPayload });
  const at = sample.indexOf(`"${marker}"`) + 1;
  return {
    pingInterval,
    pingTimeout,
    maxPayload,
    maxBacklog,
    pings: new DeadlineQueue<EngineConnection>(pingInterval, (conn) => conn._pingDue()),
    pongs: new DeadlineQueue<EngineConnection>(pingTimeout, (conn) => conn._pongMissed()),
    openPrefix: sample.slice(0, at),
    openSuffix: sample.slice(at + marker.length),
    lastUrl: '',
    headers: { templates: [], lastHeaders: {} },
    lastAddress: '',
    epoch: Date.now(),
  };
}
