import { EventEmitter } from 'node:events';
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import { Backoff, CircuitBreaker } from './backoff';
import type { Clock, Timer } from './clock';
import { StreamBacklog } from './stream-backlog';
import { parseStreamPayload, type StreamRejection } from './stream-payload';
import { redact } from './secrets';
import type { StoredTokens } from './token-file';
import type { TokenManager } from './token-manager';
import type { StreamMessage } from './wire';

export type StreamHealth = 'idle' | 'connecting' | 'connected' | 'quiet' | 'reconnecting' | 'failed' | 'login_required';

export interface StreamOptions {
  host: string;
  port: number;
  /** CA certificate(s) to trust; BMW's broker has a public certificate, the simulator names its CA file. */
  ca?: string | Buffer;
  clock: Clock;
  tokens: TokenManager;
  keepaliveSec?: number;
  /** Connected but nothing received for this long: the car is quiet (not an error). */
  quietAfterMs?: number;
  connectTimeoutMs?: number;
  backoffFirstMs?: number;
  backoffMaxMs?: number;
  breakerThreshold?: number;
  breakerWindowMs?: number;
  breakerOpenMs?: number;
}

export interface StreamStats {
  connects: number;
  refusals: number;
  drops: number;
  messages: number;
  rejected: number;
  lastMessageAt?: number;
  connectedSince?: number;
}

/** A connection that held this long counts as a success for back-off and circuit breaker. */
const STABLE_AFTER_MS = 60_000;

/** After a refused connect and a token refresh, the next try comes this soon (BMW's reference waits ≥ 10 s). */
const REFUSED_RETRY_MS = 10_000;

/** Every account's stream in this process, by GCID: a new one waits until the previous one has fully closed. */
const closing = new Map<string, Promise<void>>();

/**
 * The one MQTT connection of an account (protocol §6): TLS 1.3, username GCID, password the id_token, subscribed to
 * `<gcid>/+`. Reconnects with the fresh id_token after every refresh, refreshes the token after a refused connect,
 * backs off exponentially with a cap and opens a circuit breaker against refusal storms. Exactly one mqtt.js client
 * exists at a time and mqtt.js's own reconnect is off, so two connections for one account cannot happen here.
 *
 * Events: 'message' (StreamMessage, receivedAt), 'rejected' (StreamRejection), 'health' (StreamHealth, reason?).
 */
export class CarDataStream extends EventEmitter {
  health: StreamHealth = 'idle';
  reason?: string;
  readonly stats: StreamStats = { connects: 0, refusals: 0, drops: 0, messages: 0, rejected: 0 };
  private client?: MqttClient;
  private running = false;
  private swapPending = false;
  private refused = false;
  private timer?: Timer;
  private quietTimer?: Timer;
  private stableTimer?: Timer;
  private gcid?: string;
  private readonly backoff: Backoff;
  private readonly breaker: CircuitBreaker;
  private readonly onTokens = (tokens: StoredTokens) => this.tokensChanged(tokens);
  private readonly onTokenState = (state: string, reason?: string) => {
    if (state === 'login_required') this.loginRequired(reason);
  };
  private connectedIdToken?: string;
  private refusalsInARow = 0;
  /** Arrivals wait here and are handed on a few per turn of the event loop (see stream-backlog.ts). */
  private readonly backlog = new StreamBacklog((payload, receivedAt) => this.received(payload, receivedAt));

  constructor(private readonly options: StreamOptions) {
    super();
    this.backoff = new Backoff(options.backoffFirstMs ?? 5_000, options.backoffMaxMs ?? 300_000);
    this.breaker = new CircuitBreaker(
      options.breakerThreshold ?? 10,
      options.breakerWindowMs ?? 60_000,
      options.breakerOpenMs ?? 300_000,
    );
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.options.tokens.on('tokens', this.onTokens);
    this.options.tokens.on('state', this.onTokenState);
    void this.connectWhenFree();
  }

  /** Close the connection and stop every timer; resolves when the socket is closed. */
  async stop(): Promise<void> {
    this.running = false;
    this.backlog.handOn(Infinity); // what arrived before the stop still goes out
    this.options.tokens.off('tokens', this.onTokens);
    this.options.tokens.off('state', this.onTokenState);
    this.options.clock.clearTimeout(this.timer);
    this.options.clock.clearTimeout(this.quietTimer);
    this.quietTimer = undefined;
    this.options.clock.clearTimeout(this.stableTimer);
    const client = this.client;
    this.client = undefined;
    const done = client ? endClient(client) : Promise.resolve();
    if (this.gcid) {
      const gcid = this.gcid;
      const tracked = done.finally(() => {
        if (closing.get(gcid) === tracked) closing.delete(gcid);
      });
      closing.set(gcid, tracked);
    }
    await done;
    this.setHealth('idle');
  }

  private async connectWhenFree(): Promise<void> {
    // An id_token about to expire would be refused or dropped within seconds: refresh it first.
    await this.options.tokens.accessToken().catch(() => undefined);
    if (!this.running || this.client) return;
    const tokens = this.options.tokens.current;
    if (!tokens?.idToken) {
      this.setHealth(
        'login_required',
        tokens ? 'The tokens carry no id_token: log in again with the openid scope.' : 'Not logged in.',
      );
      return;
    }
    await closing.get(tokens.gcid);
    if (this.running && !this.client) this.connect(tokens);
  }

  private connect(tokens: StoredTokens): void {
    const wait = this.breaker.remaining(this.options.clock.now());
    if (wait > 0) return this.retryIn(wait, 'too many failed connects in a row; pausing');
    this.gcid = tokens.gcid;
    this.refused = false;
    this.setHealth(this.stats.connects === 0 ? 'connecting' : 'reconnecting', this.reason);
    // mqtt.js hands the TLS fields to tls.connect; its types just do not list minVersion.
    const options: IClientOptions & { minVersion: 'TLSv1.3' } = {
      protocol: 'mqtts',
      host: this.options.host,
      port: this.options.port,
      username: tokens.gcid,
      password: tokens.idToken,
      clientId: tokens.gcid,
      clean: true,
      keepalive: this.options.keepaliveSec ?? 30,
      connectTimeout: this.options.connectTimeoutMs ?? 20_000,
      reconnectPeriod: 0, // our own reconnect: mqtt.js's would race it and open a second connection
      protocolVersion: 4,
      minVersion: 'TLSv1.3',
      ca: this.options.ca,
      rejectUnauthorized: true,
    };
    const client = mqtt.connect(options);
    this.client = client;
    this.connectedIdToken = tokens.idToken;
    client.on('connect', () => this.connected(client, tokens.gcid));
    client.on('message', (_topic, payload) => this.backlog.add(payload, this.options.clock.now(), client.stream));
    client.on('error', (err: Error & { code?: number | string }) => {
      if (err.code === 4 || err.code === 5 || err.code === 134 || err.code === 135) this.refused = true;
      this.reason = redact(err.message);
    });
    client.on('close', () => this.closed(client));
  }

  private connected(client: MqttClient, gcid: string): void {
    if (client !== this.client) return;
    client.subscribe(`${gcid}/+`, { qos: 0 }, (err, granted) => {
      if (client !== this.client) return;
      if (err || !granted?.length || granted.some((g) => g.qos === 128)) {
        // Connected but refused the subscription: silent forever if we stayed (protocol §6.2).
        this.reason = 'BMW refused the subscription to the stream';
        client.end(true);
        return;
      }
      this.stats.connects++;
      this.refusalsInARow = 0;
      this.stats.connectedSince = this.options.clock.now();
      // Back-off only starts over once a connection has held for a while: a broker that accepts and drops at once
      // (a second client kicking us, a flapping gateway) would otherwise get a reconnect every few seconds.
      this.options.clock.clearTimeout(this.stableTimer);
      this.stableTimer = this.options.clock.setTimeout(() => {
        this.backoff.reset();
        this.breaker.success();
      }, STABLE_AFTER_MS);
      this.setHealth('connected');
      this.armQuietTimer();
      // A refresh that landed while this connect was in flight: move to the newer id_token now.
      if (this.options.tokens.current?.idToken !== this.connectedIdToken) this.swap();
    });
  }

  private received(payload: Buffer, receivedAt: number): void {
    const parsed = parseStreamPayload(payload);
    if (!parsed.ok) {
      this.stats.rejected++;
      this.emit('rejected', parsed.rejection);
      return;
    }
    this.stats.messages++;
    this.stats.lastMessageAt = receivedAt;
    if (this.health === 'quiet') this.setHealth('connected');
    // The quiet timer is not re-armed per message (a timer per message cost more than the parse): when it fires it
    // looks at lastMessageAt and waits out the rest.
    if (!this.quietTimer) this.armQuietTimer();
    this.emit('message', parsed.message, receivedAt);
  }

  private closed(client: MqttClient): void {
    if (client !== this.client) return;
    this.client = undefined;
    this.stats.connectedSince = undefined;
    this.options.clock.clearTimeout(this.quietTimer);
    this.quietTimer = undefined;
    this.options.clock.clearTimeout(this.stableTimer);
    void endClient(client);
    if (!this.running) return;
    if (this.swapPending) {
      // Planned: a new id_token arrived; reconnect with it at once (the old session would end at its expiry anyway).
      this.swapPending = false;
      this.reason = 'reconnecting with the refreshed id_token';
      void this.connectWhenFree();
      return;
    }
    const now = this.options.clock.now();
    const opened = this.breaker.failure(now);
    let delay = opened ? this.breaker.remaining(now) : this.backoff.next();
    if (this.refused) {
      this.stats.refusals++;
      this.refusalsInARow++;
      // A refused CONNECT with a token that looks valid is cured by a refresh (protocol §6.3, issue #443); the
      // first refusal of a streak retries soon with the new token instead of waiting out the back-off.
      void this.options.tokens.refresh('stream connect refused').catch(() => undefined);
      if (this.refusalsInARow === 1 && !opened) delay = Math.min(delay, REFUSED_RETRY_MS);
    } else {
      this.stats.drops++;
    }
    this.retryIn(
      delay,
      opened ? 'too many failed connects in a row; pausing' : (this.reason ?? 'connection closed by the broker'),
    );
  }

  private retryIn(delay: number, reason: string): void {
    this.options.clock.clearTimeout(this.timer);
    this.setHealth(delay >= (this.options.breakerOpenMs ?? 300_000) ? 'failed' : 'reconnecting', reason);
    this.timer = this.options.clock.setTimeout(() => {
      this.timer = undefined;
      if (this.running && !this.client && this.health !== 'login_required') void this.connectWhenFree();
    }, delay);
  }

  private tokensChanged(tokens: StoredTokens): void {
    if (!this.running) return;
    if (this.health === 'login_required') {
      void this.connectWhenFree();
      return;
    }
    // Only a live connection is swapped; an attempt in flight finishes first and is swapped (or retried) after.
    if (!this.client?.connected || tokens.idToken === this.connectedIdToken) return;
    this.swap();
  }

  private swap(): void {
    if (!this.client || this.swapPending) return;
    this.swapPending = true;
    this.client.end(false);
  }

  private loginRequired(reason?: string): void {
    this.options.clock.clearTimeout(this.timer);
    this.setHealth('login_required', reason);
    const client = this.client;
    this.client = undefined;
    if (client) void endClient(client);
  }

  /** Quiet once nothing has arrived for quietAfterMs since the last message (or since connecting). */
  private armQuietTimer(delay = this.options.quietAfterMs ?? 15 * 60_000): void {
    this.options.clock.clearTimeout(this.quietTimer);
    this.quietTimer = this.options.clock.setTimeout(() => {
      this.quietTimer = undefined;
      const quietAfter = this.options.quietAfterMs ?? 15 * 60_000;
      const since = Math.max(this.stats.lastMessageAt ?? -Infinity, this.stats.connectedSince ?? -Infinity);
      const left = since + quietAfter - this.options.clock.now();
      if (left > 0) this.armQuietTimer(left);
      else if (this.health === 'connected') this.setHealth('quiet', 'connected; the car has sent nothing for a while');
    }, delay);
  }

  private setHealth(health: StreamHealth, reason?: string): void {
    const text = reason === undefined ? undefined : redact(reason);
    if (health === this.health && text === this.reason) return;
    this.health = health;
    this.reason = text;
    this.emit('health', health, text);
  }
}

/** End an mqtt.js client and resolve when its socket is closed; its later errors are swallowed, not thrown. */
function endClient(client: MqttClient): Promise<void> {
  client.removeAllListeners('message');
  client.on('error', () => undefined);
  return new Promise((resolve) => client.end(true, {}, () => resolve()));
}

export type { StreamRejection, StreamMessage };
