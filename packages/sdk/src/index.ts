/**
 * @module
 * The typed client of Hearth's API: every /api route typed from /openapi.json, problem errors, a
 * conversation's events (resuming by themselves), a model pull's progress, and helpers to stream a reply
 * and page through lists.
 */
export type { HearthClient, HearthClientOptions } from "./create-hearth-client.ts";
export { createHearthClient } from "./create-hearth-client.ts";
export type { ConversationEvent, FollowOptions, ReceivedEvent } from "./follow-conversation.ts";
export { followConversation } from "./follow-conversation.ts";
export type { FollowModelPullOptions, ModelPull } from "./follow-model-pull.ts";
export { followModelPull } from "./follow-model-pull.ts";
export type { components, operations, paths } from "./generated/openapi.ts";
export type { ProblemBody } from "./hearth-error.ts";
export { HearthError, isHearthError } from "./hearth-error.ts";
export { changeModelSettings, type ModelSettings, type ModelSettingsChange } from "./model-settings.ts";
export { paginate } from "./paginate.ts";
export { CSRF_HEADER, Session } from "./session.ts";
export type { ReplyEvent, StreamedReply } from "./stream-reply.ts";
export { sendMessage, streamReply } from "./stream-reply.ts";
export type { ProblemCodeOf } from "./unwrap.ts";
export { unwrap } from "./unwrap.ts";
