import { mulberry32 } from '../metrics/prng.ts';

export interface ClusteredOptions {
  items: number;
  dims: number;
  clusters: number;
  /** Spread of an item around its cluster centre, relative to the centres' spread. */
  noise: number;
  seed: number;
  /** Rank of the centres (low-rank structure like factor models have); defaults to dims. */
  rank?: number;
}

/** Gaussian item embeddings grouped around random centres: the shape of real item factors, for tests and benches. */
export function clusteredEmbeddings(options: ClusteredOptions): Float32Array {
  const { items, dims, clusters, noise, seed } = options;
  const rank = Math.min(options.rank ?? dims, dims);
  const uniform = mulberry32(seed);
  const gaussian = () => Math.sqrt(-2 * Math.log(1 - uniform())) * Math.cos(2 * Math.PI * uniform());
  // Centres live in a random rank-dimensional subspace: centre = coefficients · basis.
  const basis = Float64Array.from({ length: rank * dims }, gaussian);
  const centres = new Float64Array(clusters * dims);
  for (let c = 0; c < clusters; c++) {
    for (let r = 0; r < rank; r++) {
      const coefficient = gaussian() / Math.sqrt(rank);
      for (let d = 0; d < dims; d++) centres[c * dims + d] += coefficient * basis[r * dims + d];
    }
  }
  const out = new Float32Array(items * dims);
  for (let i = 0; i < items; i++) {
    const c = Math.floor(uniform() * clusters);
    for (let d = 0; d < dims; d++) out[i * dims + d] = centres[c * dims + d] + noise * gaussian();
  }
  return out;
}
