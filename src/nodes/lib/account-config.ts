import { readFileSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';

/** What the editor stores for a cardata-account node (no secrets: tokens live in their own file). */
export interface AccountNodeConfig {
  id: string;
  name?: string;
  clientId: string;
  /** 'bmw' = BMW's production endpoints; 'custom' = the fields below (the simulator, a proxy). */
  server: 'bmw' | 'custom';
  authBaseUrl?: string;
  apiBaseUrl?: string;
  mqttHost?: string;
  mqttPort?: number | string;
  caFile?: string;
  verbose?: boolean;
  redactVins?: boolean;
}

export const BMW_ENDPOINTS = {
  authBaseUrl: 'https://customer.bmwgroup.com',
  apiBaseUrl: 'https://api-cardata.bmwgroup.com',
  mqttHost: 'customer.streaming-cardata.bmwgroup.com',
  mqttPort: 9000,
};

export interface Endpoints {
  authBaseUrl: string;
  apiBaseUrl: string;
  mqttHost: string;
  mqttPort: number;
  ca?: string;
}

/** The endpoints a config asks for; throws a message the user can act on when a custom one is unusable. */
export function endpointsOf(config: Partial<AccountNodeConfig>, userDir: string): Endpoints {
  if (config.server !== 'custom') return { ...BMW_ENDPOINTS };
  const port = Number(config.mqttPort);
  for (const [field, value] of [
    ['login URL', config.authBaseUrl],
    ['API URL', config.apiBaseUrl],
  ] as const) {
    if (!value || !/^https?:\/\/[^\s/]+/.test(value)) throw new Error(`The ${field} must be an http(s) URL.`);
  }
  if (!config.mqttHost) throw new Error('The stream host is missing.');
  if (!Number.isInteger(port) || port <= 0 || port > 65535) throw new Error('The stream port must be 1–65535.');
  let ca: string | undefined;
  if (config.caFile) {
    const path = isAbsolute(config.caFile) ? config.caFile : join(userDir, config.caFile);
    try {
      ca = readFileSync(path, 'utf8');
    } catch (err) {
      throw new Error(`The CA file ${path} cannot be read (${(err as NodeJS.ErrnoException).code ?? 'error'}).`, {
        cause: err,
      });
    }
  }
  return {
    authBaseUrl: config.authBaseUrl!.replace(/\/$/, ''),
    apiBaseUrl: config.apiBaseUrl!.replace(/\/$/, ''),
    mqttHost: config.mqttHost,
    mqttPort: port,
    ca,
  };
}
