/**
 * The cosine of the angle between two vectors of the same length: 1 for the same direction, 0 for
 * orthogonal ones. For tests that rank texts by their embeddings, as pgvector's cosine distance does.
 */
export function cosineSimilarity(first: readonly number[], second: readonly number[]): number {
  if (first.length !== second.length) {
    throw new RangeError(`Vectors of different lengths: ${first.length} and ${second.length}`);
  }
  let dot = 0;
  let firstSquares = 0;
  let secondSquares = 0;
  for (let index = 0; index < first.length; index++) {
    const a = first[index] ?? 0;
    const b = second[index] ?? 0;
    dot += a * b;
    firstSquares += a * a;
    secondSquares += b * b;
  }
  return dot / Math.sqrt(firstSquares * secondSquares);
}
