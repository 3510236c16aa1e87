/**
 * GPS routes: a polyline in local metres (east, north) around an origin, walked by distance. Round trips are closed
 * polygons through the origin, so a car comes home; their length equals the trip distance, so the odometer and the
 * GPS track agree (up to the corners the 1 s samples cut).
 */
import type { Rng } from './random';

export interface GeoPoint {
  latitude: number;
  longitude: number;
}

export interface Fix extends GeoPoint {
  headingDeg: number;
}

const EARTH_RADIUS_M = 6_371_000;
const DEG = 180 / Math.PI;

/** Great-circle distance, the formula the client's trip logic uses (R = 6 371 000 m). */
export function haversineM(a: GeoPoint, b: GeoPoint): number {
  const dLat = (b.latitude - a.latitude) / DEG;
  const dLon = (b.longitude - a.longitude) / DEG;
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(a.latitude / DEG) * Math.cos(b.latitude / DEG) * Math.sin(dLon / 2) ** 2;
  return 2 * EARTH_RADIUS_M * Math.asin(Math.min(1, Math.sqrt(h)));
}

export class Route {
  private readonly cumulative: number[] = [0];
  private readonly headings: number[] = [];
  private readonly metresPerDegLat = EARTH_RADIUS_M / DEG;
  private readonly metresPerDegLon: number;
  private segment = 0;

  private constructor(
    readonly origin: GeoPoint,
    private readonly xs: number[],
    private readonly ys: number[],
  ) {
    this.metresPerDegLon = (EARTH_RADIUS_M * Math.cos(origin.latitude / DEG)) / DEG;
    for (let i = 1; i < xs.length; i++) {
      const dx = xs[i] - xs[i - 1];
      const dy = ys[i] - ys[i - 1];
      this.cumulative.push(this.cumulative[i - 1] + Math.hypot(dx, dy));
      this.headings.push((Math.atan2(dx, dy) * DEG + 360) % 360);
    }
  }

  /** A closed polygon of 5–8 corners through the origin whose perimeter is `lengthM`. */
  static roundTrip(origin: GeoPoint, lengthM: number, rng: Rng): Route {
    const corners = rng.int(5, 8);
    const theta0 = rng.range(0, 2 * Math.PI);
    const cx = Math.cos(theta0);
    const cy = Math.sin(theta0);
    const xs = [0];
    const ys = [0];
    for (let k = 1; k < corners; k++) {
      const phi = theta0 + Math.PI + ((k + rng.range(-0.3, 0.3)) * 2 * Math.PI) / corners;
      const r = rng.range(0.75, 1.25);
      xs.push(cx + r * Math.cos(phi));
      ys.push(cy + r * Math.sin(phi));
    }
    xs.push(0);
    ys.push(0);
    return Route.scaled(origin, xs, ys, lengthM);
  }

  /** An open zig-zag of 2–3 km legs turning up to ±35° each, ending `lengthM` of road away. */
  static oneWay(origin: GeoPoint, lengthM: number, rng: Rng): Route {
    const legs = Math.max(1, Math.round(lengthM / rng.range(2000, 3000)));
    let heading = rng.range(0, 2 * Math.PI);
    const xs = [0];
    const ys = [0];
    for (let k = 0; k < legs; k++) {
      heading += rng.range(-0.6, 0.6);
      xs.push(xs[k] + Math.sin(heading));
      ys.push(ys[k] + Math.cos(heading));
    }
    return Route.scaled(origin, xs, ys, lengthM);
  }

  private static scaled(origin: GeoPoint, xs: number[], ys: number[], lengthM: number): Route {
    let perimeter = 0;
    for (let i = 1; i < xs.length; i++) perimeter += Math.hypot(xs[i] - xs[i - 1], ys[i] - ys[i - 1]);
    const scale = perimeter > 0 ? lengthM / perimeter : 0;
    return new Route(
      origin,
      xs.map((x) => x * scale),
      ys.map((y) => y * scale),
    );
  }

  get lengthM(): number {
    return this.cumulative[this.cumulative.length - 1];
  }

  /** Position and heading after `distanceM` along the route; distances only grow during a trip, so the search resumes. */
  at(distanceM: number): Fix {
    const d = Math.min(Math.max(distanceM, 0), this.lengthM);
    if (d < this.cumulative[this.segment]) this.segment = 0;
    while (this.segment < this.headings.length - 1 && this.cumulative[this.segment + 1] < d) this.segment++;
    const i = this.segment;
    const length = this.cumulative[i + 1] - this.cumulative[i];
    const f = length > 0 ? (d - this.cumulative[i]) / length : 0;
    const x = this.xs[i] + f * (this.xs[i + 1] - this.xs[i]);
    const y = this.ys[i] + f * (this.ys[i + 1] - this.ys[i]);
    return {
      latitude: this.origin.latitude + y / this.metresPerDegLat,
      longitude: this.origin.longitude + x / this.metresPerDegLon,
      headingDeg: this.headings[i] ?? 0,
    };
  }
}
