import express, { type Request, type Response, type NextFunction } from 'express';
import type { SimTraccar } from './sim-traccar';

/**
 * Traccar's REST API as far as a speed reader needs it, mounted under `/traccar` on the simulator's HTTP port:
 * `GET /api/devices` and `GET /api/positions[?deviceId=N]`, each behind `Authorization: Bearer <token>`.
 */
export function traccarApiRoutes(traccar: SimTraccar): express.Router {
  const router = express.Router();

  router.use((req: Request, res: Response, next: NextFunction) => {
    traccar.requests++;
    if (traccar.faults.offline) return void req.socket.destroy();
    if (traccar.faults.status) return void res.status(traccar.faults.status).type('text').send('Service Unavailable');
    // Traccar answers 401 without a body a client could show; the token is never echoed.
    if (!traccar.authorised(req.get('authorization'))) return void res.status(401).end();
    next();
  });

  router.get('/api/devices', (_req, res) => {
    res.json(
      traccar.devices.map((d) => ({
        id: d.id,
        name: d.name,
        uniqueId: d.vin,
        status: 'online',
        disabled: false,
        lastUpdate: null,
        positionId: 0,
        groupId: 0,
        phone: null,
        model: null,
        contact: null,
        category: 'car',
        attributes: {},
      })),
    );
  });

  router.get('/api/positions', (req, res) => {
    const raw = req.query.deviceId;
    let deviceId: number | undefined;
    if (raw !== undefined) {
      deviceId = Number(raw);
      if (typeof raw !== 'string' || !/^\d+$/.test(raw)) return void res.status(400).type('text').send('bad deviceId');
    }
    // Traccar answers an unknown (or foreign) device with an access error, not an empty list.
    const positions = traccar.positions(deviceId);
    if (!positions) return void res.status(400).type('text').send('Device access denied');
    res.json(positions);
  });

  router.use((_req, res) => void res.status(404).type('text').send('Not Found'));
  return router;
}
