/**
 * @module Among nodes, a /v1 call runs where its model is: a node that does not hold a local model
 * sends the request, as its client sent it, to a node that does, and streams that node's answer
 * back. The holder checks the caller, counts the call against the caller's limits and stores the
 * exchange as for any request; this node did neither.
 */
import type { Context } from "hono";
import { conversationsProblems } from "../conversations/problems.ts";
import type { AppEnv } from "../http/app-env.ts";
import { LOCAL_PROVIDER } from "../models/model-registry.ts";
import { raise } from "../problems.ts";

/** Names the node a request was sent on from: a node sends a request on once at most. */
export const FORWARDED_BY_HEADER = "Hearth-Forwarded-By";

/** The answer of the node that holds the request's model, or undefined when the call runs here. */
export async function sendToHolder(c: Context<AppEnv>, model: string): Promise<Response | undefined> {
  const placement = c.var.chat.placement;
  if (placement === undefined) return undefined;
  // A bare id names a local model, as in the model registry.
  const qualified = model.includes("/") ? model : `${LOCAL_PROVIDER}/${model}`;
  if (placement.runsHere(qualified)) return undefined;
  // Sent here by a node that found this one holding the model, which it no longer does: never sent on twice.
  if (c.req.header(FORWARDED_BY_HEADER) !== undefined) {
    raise(
      conversationsProblems.modelUnavailable(
        qualified,
        "this node does not hold it, and a call is sent on once at most",
      ),
    );
  }
  return placement.forward(qualified, c.req.raw, await c.req.arrayBuffer(), c.var.requestId);
}
