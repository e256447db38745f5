/**
 * Kubernetes resource quantities, parsed exactly (BigInt arithmetic, no floats):
 *
 *   <quantity> ::= <signedNumber><suffix>
 *   <suffix>   ::= Ki | Mi | Gi | Ti | Pi | Ei          (binary, powers of 1024)
 *                | m | "" | k | M | G | T | P | E       (decimal SI)
 *                | e<signedNumber> | E<signedNumber>    (decimal exponent)
 *   <number>   ::= <digits> | <digits>.<digits> | <digits>. | .<digits>
 *
 * `4GB`, `4gi`, `1 Gi` and `4Ki2` are not quantities. Numbers (as YAML gives `cpu: 2`)
 * are read through their decimal text.
 */

/** An exact non-negative rational `num / den`. */
interface Exact {
  num: bigint;
  den: bigint;
}

const QUANTITY = /^([+-]?)(\d+\.?\d*|\.\d+)(?:(Ki|Mi|Gi|Ti|Pi|Ei|m|k|M|G|T|P|E)|[eE]([+-]?\d+))?$/;
const BINARY: Record<string, bigint> = { Ki: 1n << 10n, Mi: 1n << 20n, Gi: 1n << 30n, Ti: 1n << 40n, Pi: 1n << 50n, Ei: 1n << 60n };
const DECIMAL: Record<string, number> = { m: -3, k: 3, M: 6, G: 9, T: 12, P: 15, E: 18 };

export class QuantityError extends Error {
  override name = 'QuantityError';
}

function pow10(n: number): bigint {
  return 10n ** BigInt(n);
}

/** Parses a quantity into an exact rational. Throws QuantityError (negative values included). */
export function parseQuantity(input: string | number): Exact {
  if (typeof input === 'number' && !Number.isFinite(input)) throw new QuantityError('must be a finite number');
  const text = typeof input === 'number' ? String(input).replace('e+', 'e') : input;
  const m = QUANTITY.exec(text);
  if (!m) {
    throw new QuantityError(
      `"${text}" is not a Kubernetes quantity (use e.g. 500m, 2, 512Mi, 4Gi, 1G, 129e6; binary suffixes are Ki Mi Gi Ti Pi Ei, decimal k M G T P E)`,
    );
  }
  const [, sign, digits, suffix, exponent] = m;
  const [whole = '', frac = ''] = digits!.split('.');
  let num = BigInt(`${whole}${frac}` || '0');
  let den = pow10(frac.length);
  if (sign === '-' && num !== 0n) throw new QuantityError(`"${text}" is negative`);
  if (exponent !== undefined) {
    const e = Number(exponent);
    if (Math.abs(e) > 30) throw new QuantityError(`"${text}": exponent out of range`);
    if (e >= 0) num *= pow10(e);
    else den *= pow10(-e);
  } else if (suffix && BINARY[suffix]) num *= BINARY[suffix];
  else if (suffix) {
    const e = DECIMAL[suffix]!;
    if (e >= 0) num *= pow10(e);
    else den *= pow10(-e);
  }
  return { num, den };
}

/** Largest vCPU count a DataJob may ask for. */
export const MAX_JOB_CPU = 1024;
/** Largest memory a DataJob may ask for: 64 TiB, in MiB. */
export const MAX_JOB_MEMORY_MIB = 64 * 1024 * 1024;

/**
 * A cpu quantity as vCPUs: `2` → 2, `0.5` and `500m` → 0.5. Like Kubernetes, precision
 * finer than 1m (0.001 vCPU) is refused; zero and negatives are refused.
 */
export function parseCpu(input: string | number): number {
  const q = parseQuantity(input);
  const milli = q.num * 1000n;
  if (milli % q.den !== 0n) throw new QuantityError(`cpu "${input}" is finer than 1m (0.001 vCPU)`);
  const millicores = milli / q.den;
  if (millicores === 0n) throw new QuantityError('cpu must be greater than 0');
  if (millicores > BigInt(MAX_JOB_CPU * 1000)) throw new QuantityError(`cpu "${input}" exceeds ${MAX_JOB_CPU} vCPU`);
  return Number(millicores) / 1000;
}

/**
 * A memory quantity in MiB: `4Gi` → 4096, `512Mi` → 512, `1G` → 954 (10^9 bytes =
 * 953.67 MiB, rounded UP so a job never gets less than it asked for), `128974848` → 123.
 * Zero and negatives are refused.
 */
export function parseMemoryMiB(input: string | number): number {
  const q = parseQuantity(input);
  if (q.num === 0n) throw new QuantityError('memory must be greater than 0');
  // `1m` is one milli-byte: rounding it up to 1 MiB would hide a typo for `1Mi`.
  if (q.num % q.den !== 0n) throw new QuantityError(`memory "${input}" is not a whole number of bytes ("m" means milli: use Mi or M)`);
  const den = q.den * (1n << 20n);
  const mib = (q.num + den - 1n) / den;
  if (mib > BigInt(MAX_JOB_MEMORY_MIB)) throw new QuantityError(`memory "${input}" exceeds 64Ti`);
  return Number(mib);
}
