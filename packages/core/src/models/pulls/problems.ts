export type ModelsProblem =
  | { code: "model-source-unavailable"; detail: string; source: string; reason: string }
  | { code: "model-exists"; detail: string; fileName: string }
  | { code: "model-pull-in-progress"; detail: string; fileName: string; pullId: string }
  | { code: "not-enough-disk-space"; detail: string; neededBytes: number; availableBytes: number }
  | { code: "model-pull-not-found"; detail: string; pullId: string }
  | { code: "model-pull-finished"; detail: string; pullId: string; pullStatus: string }
  | { code: "local-model-not-found"; detail: string; modelId: string }
  | { code: "model-in-use"; detail: string; modelId: string };

export const modelsProblems = {
  sourceUnavailable: (source: string, reason: string): ModelsProblem => ({
    code: "model-source-unavailable",
    detail: `The model at ${source} cannot be pulled: ${reason}`,
    source,
    reason,
  }),
  exists: (fileName: string): ModelsProblem => ({
    code: "model-exists",
    detail: `A model file named ${fileName} is already in the models dir: remove it first, or pull under another fileName.`,
    fileName,
  }),
  inProgress: (fileName: string, pullId: string): ModelsProblem => ({
    code: "model-pull-in-progress",
    detail: `${fileName} is being pulled already (pull ${pullId}).`,
    fileName,
    pullId,
  }),
  notEnoughSpace: (neededBytes: number, availableBytes: number, where: string): ModelsProblem => ({
    code: "not-enough-disk-space",
    detail: `The model needs ${neededBytes} bytes and ${where} has ${availableBytes} left.`,
    neededBytes,
    availableBytes,
  }),
  pullNotFound: (pullId: string): ModelsProblem => ({
    code: "model-pull-not-found",
    detail: `No model pull has the id ${pullId}.`,
    pullId,
  }),
  pullFinished: (pullId: string, pullStatus: string): ModelsProblem => ({
    code: "model-pull-finished",
    detail: `The pull ${pullId} has ended (${pullStatus}): there is nothing to cancel.`,
    pullId,
    pullStatus,
  }),
  localModelNotFound: (modelId: string): ModelsProblem => ({
    code: "local-model-not-found",
    detail: `No local model has the id ${modelId}.`,
    modelId,
  }),
  inUse: (modelId: string): ModelsProblem => ({
    code: "model-in-use",
    detail: `${modelId} is writing a reply now: remove it once that has ended.`,
    modelId,
  }),
};
