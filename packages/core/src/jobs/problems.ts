export type JobsProblem =
  | { code: "job-not-found"; detail: string; jobId: string }
  | { code: "job-not-retryable"; detail: string; jobId: string; state: string };

export const jobsProblems = {
  notFound: (jobId: string): JobsProblem => ({
    code: "job-not-found",
    detail: `There is no job with the id ${jobId} (finished jobs are forgotten after a while).`,
    jobId,
  }),
  notRetryable: (jobId: string, state: string): JobsProblem => ({
    code: "job-not-retryable",
    detail:
      state === "done"
        ? `Job ${jobId} is done: there is nothing to retry.`
        : `Job ${jobId} is ${state}: only a dead job, or one waiting to be retried, can be retried now.`,
    jobId,
    state,
  }),
};
