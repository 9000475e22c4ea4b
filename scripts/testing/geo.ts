/** The point `km` from (lat, lon) along `bearing` degrees, on a sphere of Earth's mean radius. */
export function destination(lat: number, lon: number, bearing: number, km: number): [number, number] {
  const rad = Math.PI / 180;
  const d = km / 6371.0088;
  const φ1 = lat * rad;
  const θ = bearing * rad;
  const φ2 = Math.asin(Math.sin(φ1) * Math.cos(d) + Math.cos(φ1) * Math.sin(d) * Math.cos(θ));
  const λ2 = lon * rad + Math.atan2(Math.sin(θ) * Math.sin(d) * Math.cos(φ1), Math.cos(d) - Math.sin(φ1) * Math.sin(φ2));
  return [φ2 / rad, ((((λ2 / rad + 540) % 360) + 360) % 360) - 180];
}

/** Random circles anywhere on the globe (radius 0.5–200 km), each with a random point inside it. */
export function* circlesWithAPointInside(count: number, seed = 42) {
  const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  for (let i = 0; i < count; i++) {
    const q = { lat: random() * 180 - 90, long: random() * 360 - 180, location_radius_km: 0.5 + random() * 199.5 };
    // a random bearing and distance from its centre
    const [lat, lon] = destination(q.lat, q.long, random() * 360, random() * q.location_radius_km);
    yield { q, point: { lat, lon } };
  }
}
