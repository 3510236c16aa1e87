import { rmSync } from 'node:fs';
import { readJsonFile, writeFileAtomic } from './atomic-file';
import type { TokenResponse } from './wire';

/** The tokens of one account as kept on disk (DESIGN.md §5): own file, atomic writes, mode 0600. */
export interface StoredTokens {
  version: 1;
  clientId: string;
  gcid: string;
  accessToken: string;
  refreshToken: string;
  idToken?: string;
  scope: string;
  /** When the access token (and with it the id_token, protocol §3.2) expires, epoch ms. */
  expiresAt: number;
  receivedAt: number;
}

export function toStoredTokens(clientId: string, response: TokenResponse, receivedAt: number, previous?: StoredTokens) {
  const stored: StoredTokens = {
    version: 1,
    clientId,
    // BMW's refresh answers carry gcid per its schema, but the reference client keeps the first one (protocol §3.1).
    gcid: response.gcid || previous?.gcid || '',
    accessToken: response.access_token,
    // Keep the old refresh token if an answer ever lacks one, as BMW's reference client does (§3.3).
    refreshToken: response.refresh_token || previous?.refreshToken || '',
    idToken: response.id_token ?? previous?.idToken,
    scope: response.scope || previous?.scope || '',
    expiresAt: receivedAt + Math.max(1, response.expires_in) * 1000,
    receivedAt,
  };
  return stored;
}

export class TokenFile {
  constructor(readonly path: string) {}

  /** The stored tokens, or undefined when there are none; a file that cannot be read as tokens counts as none. */
  load(): { tokens?: StoredTokens; problem?: string } {
    let data: Partial<StoredTokens> | undefined;
    try {
      data = readJsonFile<Partial<StoredTokens>>(this.path);
    } catch (err) {
      return { problem: `the token file could not be read (${(err as Error).name})` };
    }
    if (!data) return {};
    if (data.version !== 1 || typeof data.refreshToken !== 'string' || typeof data.accessToken !== 'string') {
      return { problem: 'the token file is not in a known format' };
    }
    return { tokens: data as StoredTokens };
  }

  save(tokens: StoredTokens): void {
    writeFileAtomic(this.path, JSON.stringify(tokens));
  }

  remove(): void {
    rmSync(this.path, { force: true });
  }
}
