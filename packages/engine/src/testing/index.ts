export type { TestModel, TestModelOptions } from "./write-test-model.ts";
export { writeTestModel } from "./write-test-model.ts";
