// map.js: municipality borders as SVG path data, with d3-geo (loaded as
// the classic scripts d3-array and d3-geo, the global d3).
//
// The projection is planar: longitude is scaled by the cosine of the
// county's middle latitude, which keeps a county's shape true enough, and
// being planar it does not depend on the rings' winding order (d3's
// spherical paths read RFC 7946's counter-clockwise rings as the rest of the
// globe).

export const WIDTH = 600;
export const HEIGHT = 600;
const PADDING = 12;
const cache = new Map();

function mapCoordinates(geometry, transform) {
  const ring = (r) => r.map(transform);
  if (geometry.type === 'Polygon') return { type: 'Polygon', coordinates: geometry.coordinates.map(ring) };
  if (geometry.type === 'MultiPolygon')
    return { type: 'MultiPolygon', coordinates: geometry.coordinates.map((p) => p.map(ring)) };
  return geometry;
}

function latitudes(geometry, out) {
  const rings = geometry.type === 'Polygon' ? geometry.coordinates : geometry.coordinates.flat();
  for (const r of rings) for (const [, lat] of r) out.push(lat);
}

/* [{code, name, d}] for features (each with properties.code), cached under key. */
export function shapes(key, features) {
  if (cache.has(key)) return cache.get(key);
  const d3 = window.d3;
  const lats = [];
  for (const f of features) latitudes(f.geometry, lats);
  const middle = (Math.min(...lats) + Math.max(...lats)) / 2;
  const k = Math.cos((middle * Math.PI) / 180);
  const planar = features.map((f) => ({
    type: 'Feature', properties: f.properties, geometry: mapCoordinates(f.geometry, ([x, y]) => [x * k, y]),
  }));
  const projection = d3.geoIdentity().reflectY(true)
    .fitExtent([[PADDING, PADDING], [WIDTH - PADDING, HEIGHT - PADDING]], { type: 'FeatureCollection', features: planar });
  const path = d3.geoPath(projection);
  const result = planar.map((f) => ({ code: f.properties.code, name: f.properties.name, d: path(f) }));
  cache.set(key, result);
  return result;
}
