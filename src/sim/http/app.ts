import express from 'express';
import type { Clock } from '../../cardata/clock';
import type { AccountRegistry } from '../accounts';
import { ContainerStore } from '../containers';
import type { Faults } from '../faults';
import type { FleetView } from '../fleet-view';
import { QuotaLedger } from '../quota';
import type { TokenRegistry } from '../tokens';
import { approvalRouter } from './approval-page';
import { authRouter } from './auth-routes';
import { descriptorCatalogue, type DescriptorCatalogue } from './descriptor-catalogue';
import { DeviceCodeStore } from './device-codes';
import { DEFAULT_SIM_HTTP_OPTIONS, type SimHttpOptions } from './options';
import { restRouter } from './rest-routes';

export interface SimHttpContext {
  /** For tokens, device codes, quota days, container purges and LBCS/history timestamps. */
  clock: Clock;
  accounts: AccountRegistry;
  tokens: TokenRegistry;
  faults: Faults;
  fleet: FleetView;
  options?: Partial<SimHttpOptions>;
  /** Stores to share with the rest of the simulator; created here when absent. */
  deviceCodes?: DeviceCodeStore;
  quota?: QuotaLedger;
  containers?: ContainerStore;
  catalogue?: DescriptorCatalogue;
}

/** The app and the state behind it, for control endpoints (`/sim/...`) and tests. */
export interface SimHttp {
  app: express.Express;
  /** Live options: fields changed here apply to the next request (quota limit and window live in `quota.options`). */
  options: SimHttpOptions;
  deviceCodes: DeviceCodeStore;
  quota: QuotaLedger;
  containers: ContainerStore;
}

/**
 * BMW's HTTP side on one port: the GCDM device-code login (`/gcdm/oauth/...`), the approval page (`/oneid/link`) and
 * the CarData REST API (`/customers/...`). `extend` may add routes (e.g. `/sim/...`); routes can also be added to the
 * returned app later, since nothing here catches paths outside its own prefixes.
 */
export function createSimHttp(ctx: SimHttpContext, extend?: (app: express.Express, sim: SimHttp) => void): SimHttp {
  const options: SimHttpOptions = { ...DEFAULT_SIM_HTTP_OPTIONS, ...ctx.options };
  const deviceCodes = ctx.deviceCodes ?? new DeviceCodeStore(ctx.clock, options);
  const quota = ctx.quota ?? new QuotaLedger(ctx.clock, { limit: options.quotaLimit, window: options.quotaWindow });
  const containers = ctx.containers ?? new ContainerStore(ctx.clock);
  const catalogue = ctx.catalogue ?? descriptorCatalogue();

  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.use(authRouter({ accounts: ctx.accounts, tokens: ctx.tokens, faults: ctx.faults, deviceCodes, options }));
  app.use(approvalRouter(deviceCodes));
  app.use(restRouter({ ...ctx, quota, containers, catalogue, options }));

  const sim: SimHttp = { app, options, deviceCodes, quota, containers };
  extend?.(app, sim);
  return sim;
}

/** The express app alone; use `createSimHttp` to reach the device codes, quota and containers behind it. */
export function createSimHttpApp(
  ctx: SimHttpContext,
  extend?: (app: express.Express, sim: SimHttp) => void,
): express.Express {
  return createSimHttp(ctx, extend).app;
}
