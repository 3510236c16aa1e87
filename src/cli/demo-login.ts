import { join } from 'node:path';
import { accountPaths } from '../cardata/account';
import { systemClock } from '../cardata/clock';
import { DeviceLogin } from '../cardata/device-login';
import { TokenFile, toStoredTokens } from '../cardata/token-file';
import type { ReadyLine } from '../sim/simulator';

/**
 * The demo's account is logged in before Node-RED starts: the same device-code login the edit dialog runs, against
 * the simulator with auto-approval, and its tokens written where the account node looks for them. No clicks.
 */
export async function loginDemoAccount(ready: ReadyLine, userDir: string, accountId: string): Promise<void> {
  const login = new DeviceLogin({ clientId: ready.clientId, authBaseUrl: ready.authBaseUrl, clock: systemClock });
  await login.start();
  const tokens = await login.result;
  const path = accountPaths(join(userDir, 'cardata'), accountId).tokens;
  new TokenFile(path).save(toStoredTokens(ready.clientId, tokens, systemClock.now()));
}
