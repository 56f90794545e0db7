import { Brain } from "lucide-react";
import { useTranslation } from "react-i18next";
import { Link } from "wouter";

/** The built-in tool a reply calls, with memory on, to keep a fact about the person. */
export const REMEMBER_TOOL = "remember";

interface RememberCall {
  /** The arguments as the model wrote them: JSON `{"fact": "…"}`. */
  input?: string | undefined;
  /** The tool's answer: JSON `{"status": "saved" | "known already" | "proposed …"}`. */
  output?: string | undefined;
}

/** The fact of a remember call, or undefined when the model's input is not the tool's shape. */
export function factOf(call: RememberCall): string | undefined {
  try {
    const input: unknown = JSON.parse(call.input ?? "");
    const fact = typeof input === "object" && input !== null ? (input as { fact?: unknown }).fact : undefined;
    return typeof fact === "string" && fact.trim() !== "" ? fact.trim() : undefined;
  } catch {
    return undefined;
  }
}

type Outcome = "saving" | "saved" | "known" | "proposed";

function outcomeOf(output: string | undefined): Outcome {
  if (output === undefined) return "saving";
  try {
    const status: unknown = (JSON.parse(output) as { status?: unknown }).status;
    if (status === "saved") return "saved";
    if (status === "known already") return "known";
  } catch {
    // Not the tool's answer: what was kept is not known, so the person is asked to look.
  }
  return "proposed";
}

/**
 * A remember call as a note in the reply: what was saved to memory, or proposed for the person to save
 * or dismiss on the memory page. The fact is the model's text: shown as plain text.
 */
export function RememberCard({ fact, output }: { fact: string; output: string | undefined }) {
  const { t } = useTranslation("chat");
  const outcome = outcomeOf(output);
  return (
    <div className="my-1 flex flex-wrap items-center gap-x-2 gap-y-1 rounded-md border bg-muted/40 px-3 py-1.5 text-sm">
      <Brain aria-hidden="true" className="size-4 shrink-0" />
      <span className="min-w-0 flex-1 break-words">
        <span className="font-medium">{t(`remember.${outcome}`)}</span> {fact}
      </span>
      {outcome !== "saving" && (
        <Link href="/memory" className="text-xs underline">
          {t(outcome === "proposed" ? "remember.review" : "remember.manage")}
        </Link>
      )}
    </div>
  );
}
