import express, { type Request, type Response } from 'express';
import type { SimHttp } from './http/app';
import type { CarDataSimulator } from './simulator';
import { traccarControlRoutes } from './traccar/control-routes';
import { parseScenarioSteps } from './vehicle/scenario';

/**
 * The simulator's own control API under /sim (not BMW's): state for tests and demos, fault switches, approval of
 * logins, forced disconnects and revocations, and scenario steps for a vehicle. Loopback only, like the simulator.
 */
export function controlRoutes(sim: CarDataSimulator, http: SimHttp): express.Router {
  const router = express.Router();
  router.use(express.json({ limit: '1mb' }));
  const gcid = sim.account.gcid;

  router.get('/state', (_req, res) => {
    res.json({
      account: { clientId: sim.account.clientId, gcid, vins: sim.account.vins },
      quota: http.quota.status(gcid),
      containers: http.containers.list(gcid),
      broker: sim.broker.stats(),
      faults: sim.faults.settings,
      pendingLogins: http.deviceCodes.pending(),
      tokensIssued: sim.tokens.issuedCount,
      vehicles: sim.account.vins.map((vin) => ({ vin, ...sim.fleet.trueState(vin) })),
    });
  });

  router.get('/faults', (_req, res) => res.json(sim.faults.settings));
  router.post('/faults', (req, res) => {
    try {
      res.json(sim.faults.set((req.body ?? {}) as Record<string, unknown>));
    } catch (err) {
      res.status(400).json({ error: (err as Error).message });
    }
  });
  router.post('/faults/reset', (_req, res) => {
    sim.faults.reset();
    res.json(sim.faults.settings);
  });

  router.post('/logins/:userCode/:decision', (req: Request<{ userCode: string; decision: string }>, res) => {
    const { userCode, decision } = req.params;
    if (decision !== 'approve' && decision !== 'deny') return void res.status(404).json({ error: 'approve or deny' });
    const outcome = decision === 'approve' ? http.deviceCodes.approve(userCode) : http.deviceCodes.deny(userCode);
    res.status(outcome === 'approved' || outcome === 'denied' ? 200 : 409).json({ outcome });
  });

  router.post(
    '/actions/disconnect',
    (_req, res) => void sim.broker.disconnect(gcid).then((n) => res.json({ closed: n })),
  );
  router.post('/actions/revoke', (_req, res) => {
    sim.tokens.revokeClient(sim.account.clientId);
    res.json({ revoked: true });
  });
  router.post('/actions/revoke-refresh', (_req, res) => {
    res.json({ revoked: sim.tokens.revokeRefreshTokens(sim.account.clientId) });
  });
  router.post('/actions/reset-quota', (_req, res) => {
    http.quota.reset(gcid);
    res.json(http.quota.status(gcid));
  });
  router.post('/actions/drop-container/:id', (req: Request<{ id: string }>, res) => {
    res.status(http.containers.dropContainer(req.params.id) ? 200 : 404).json({ dropped: req.params.id });
  });

  router.use('/traccar', traccarControlRoutes(sim.traccar));

  router.get('/vehicles/:vin', (req: Request<{ vin: string }>, res) => {
    if (!sim.fleet.has(req.params.vin)) return void notFound(res, req.params.vin);
    res.json({ vin: req.params.vin, ...sim.fleet.trueState(req.params.vin) });
  });
  router.post('/vehicles/:vin/scenario', (req: Request<{ vin: string }>, res) => {
    if (!sim.fleet.has(req.params.vin)) return void notFound(res, req.params.vin);
    try {
      const steps = parseScenarioSteps(req.body);
      sim.fleet.runScenario(req.params.vin, steps);
      res.json({ steps: steps.length });
    } catch (err) {
      res.status(400).json({ error: (err as Error).message });
    }
  });
  router.post('/vehicles/:vin/publish', express.text({ type: '*/*', limit: '2mb' }), (req, res) => {
    // Raw payloads for tests of a client's input checks; bypasses the stream fault switches.
    const vin = String(req.params.vin);
    const body: unknown = req.body;
    const payload = typeof body === 'string' ? body : JSON.stringify(body);
    void sim.broker.publishRaw(gcid, vin, payload).then(() => res.json({ published: payload.length }));
  });
  return router;
}

function notFound(res: Response, vin: string): void {
  res.status(404).json({ error: `no simulated vehicle ${vin}` });
}
