export { cosineSimilarity } from "./cosine-similarity.ts";
export type { OpenAIProtocolReplay } from "./openai-protocol-replay.ts";
export { startOpenAIProtocolReplay } from "./openai-protocol-replay.ts";
export type { TestModel, TestModelOptions } from "./write-test-model.ts";
export { writeTestModel } from "./write-test-model.ts";
