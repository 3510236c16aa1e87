import { spawn, type ChildProcess } from 'node:child_process';
import { createCipheriv, createHash, randomBytes } from 'node:crypto';
import {
  existsSync,
  lstatSync,
  mkdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { join, resolve } from 'node:path';

/** Where the Node-RED to run lives: CARDATA_NODE_RED_DIR (CI's Node-RED 5) or the project's own devDependency. */
export function nodeRedDir(): string {
  const fromEnv = process.env.CARDATA_NODE_RED_DIR;
  if (fromEnv) return resolve(fromEnv);
  return resolve(require.resolve('node-red/package.json'), '..');
}

export interface UserDirOptions {
  userDir: string;
  packageDir: string;
  flows: unknown[];
  /** Encrypts flows_cred.json of this user directory. */
  credentialSecret: string;
  /** More settings.js properties, as JavaScript source (e.g. an adminAuth block for tests). */
  extraSettings?: string;
  /** Node credentials by node id (a config node's token), written to flows_cred.json as Node-RED encrypts them. */
  credentials?: Record<string, Record<string, string>>;
}

/**
 * flows_cred.json as Node-RED writes it with a credentialSecret: AES-256-CTR under the secret's SHA-256, the IV in
 * hex before the base64 cipher text.
 */
export function encryptCredentials(secret: string, credentials: Record<string, unknown>): string {
  const key = createHash('sha256').update(secret).digest();
  const iv = randomBytes(16);
  const cipher = createCipheriv('aes-256-ctr', key, iv);
  const text = cipher.update(JSON.stringify(credentials), 'utf8', 'base64') + cipher.final('base64');
  return JSON.stringify({ $: iv.toString('hex') + text });
}

/**
 * Lay out a Node-RED user directory that loads this package from the working tree (a symlink in node_modules, so a
 * rebuild is picked up by a restart without reinstalling) and starts with the given flows.
 */
export function prepareUserDir(options: UserDirOptions): void {
  const { userDir, packageDir } = options;
  mkdirSync(join(userDir, 'node_modules'), { recursive: true });
  const pkg = JSON.parse(readFileSync(join(packageDir, 'package.json'), 'utf8')) as { name: string };
  const link = join(userDir, 'node_modules', pkg.name);
  // Unlink a symlink itself; never recurse through it into the package.
  if (isLink(link)) unlinkSync(link);
  else if (existsSync(link)) rmSync(link, { recursive: true, force: true });
  symlinkSync(packageDir, link, 'dir');
  writeFileSync(
    join(userDir, 'package.json'),
    JSON.stringify(
      { name: 'cardata-demo', private: true, dependencies: { [pkg.name]: 'file:' + packageDir } },
      null,
      2,
    ),
  );
  writeFileSync(join(userDir, 'settings.js'), settingsJs(options.credentialSecret, options.extraSettings));
  writeFileSync(join(userDir, 'flows.json'), JSON.stringify(options.flows, null, 2));
  rmSync(join(userDir, 'flows_cred.json'), { force: true });
  if (options.credentials) {
    writeFileSync(join(userDir, 'flows_cred.json'), encryptCredentials(options.credentialSecret, options.credentials));
  }
  // Every start is a fresh demo: the simulator is new, so yesterday's tokens and quota ledger mean nothing.
  rmSync(join(userDir, 'cardata'), { recursive: true, force: true });
}

function isLink(path: string): boolean {
  try {
    return lstatSync(path).isSymbolicLink();
  } catch {
    return false;
  }
}

// First-run dialogs (telemetry consent, welcome tour) and the palette catalogue fetch get in the way of a demo on a
// machine without internet, and of browser tests (toolchain.md §3).
function settingsJs(credentialSecret: string, extra = ''): string {
  return `module.exports = {
  ${extra}
  flowFile: 'flows.json',
  credentialSecret: ${JSON.stringify(credentialSecret)},
  uiHost: '127.0.0.1',
  telemetry: { enabled: false },
  diagnostics: { enabled: false },
  editorTheme: { tours: false, palette: { catalogues: [] }, projects: { enabled: false } },
  logging: { console: { level: process.env.CARDATA_LOG_LEVEL || 'info', metrics: false, audit: false } },
  functionExternalModules: false,
  externalModules: { autoInstall: false, palette: { allowInstall: false } },
};
`;
}

export interface RunningNodeRed {
  child: ChildProcess;
  url: string;
  stop(): Promise<void>;
}

/** Start Node-RED as a child process with one PID to stop, on the same Node binary as this process. */
export function startNodeRed(
  userDir: string,
  port: number,
  env: NodeJS.ProcessEnv = {},
  output: 'inherit' | 'pipe' = 'inherit',
): RunningNodeRed {
  const redJs = join(nodeRedDir(), 'red.js');
  const child = spawn(process.execPath, [redJs, '-u', userDir, '-p', String(port)], {
    env: { ...process.env, ...env },
    stdio: ['ignore', output, output],
  });
  const url = `http://127.0.0.1:${port}`;
  return {
    child,
    url,
    stop: () =>
      new Promise<void>((done) => {
        if (child.exitCode !== null || child.signalCode !== null) return done();
        child.once('exit', () => done());
        child.kill('SIGTERM');
        setTimeout(() => child.kill('SIGKILL'), 10_000).unref();
      }),
  };
}

/** Resolve once Node-RED answers its admin API, or reject after `timeoutMs`. */
export async function waitForNodeRed(url: string, child: ChildProcess, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`Node-RED exited with code ${child.exitCode} before it was ready`);
    try {
      const res = await fetch(`${url}/auth/login`); // public even with adminAuth on
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`Node-RED did not answer on ${url} within ${timeoutMs / 1000} s`);
}
