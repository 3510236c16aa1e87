interface City {
  name: string;
  postalCode: string;
  lat: number;
  lon: number;
}

const CITIES: City[] = [
  { name: 'Munich', postalCode: '80331', lat: 48.137, lon: 11.575 },
  { name: 'Berlin', postalCode: '10117', lat: 52.52, lon: 13.405 },
  { name: 'Hamburg', postalCode: '20095', lat: 53.551, lon: 9.994 },
  { name: 'Frankfurt am Main', postalCode: '60311', lat: 50.11, lon: 8.682 },
  { name: 'Stuttgart', postalCode: '70173', lat: 48.776, lon: 9.183 },
  { name: 'Cologne', postalCode: '50667', lat: 50.938, lon: 6.96 },
  { name: 'Leipzig', postalCode: '04109', lat: 51.34, lon: 12.375 },
];

const STREETS = ['Hauptstraße', 'Bahnhofstraße', 'Lindenweg', 'Schillerstraße', 'Am Markt', 'Gartenstraße'];

/** A plausible, stable address for a position: the nearest large German city and a street picked from the coordinates. */
export function placeNear(latitude: number, longitude: number): { city: string; postalCode: string; street: string } {
  let best = CITIES[0];
  for (const city of CITIES) {
    if (Math.hypot(city.lat - latitude, city.lon - longitude) < Math.hypot(best.lat - latitude, best.lon - longitude)) {
      best = city;
    }
  }
  const seed = Math.abs(Math.round(latitude * 1e4) * 31 + Math.round(longitude * 1e4));
  const street = `${STREETS[seed % STREETS.length]} ${(seed % 97) + 1}`;
  return { city: best.name, postalCode: best.postalCode, street };
}
