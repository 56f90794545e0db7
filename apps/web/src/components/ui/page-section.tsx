import { type ReactNode, useId } from "react";

export interface PageSectionProps {
  title: string;
  intro?: string | undefined;
  /** Beside the heading: the section's main action ("Add provider"). */
  action?: ReactNode;
  children: ReactNode;
}

/** A section of a page: a region named by its heading (an h2), with an intro line. */
export function PageSection({ title, intro, action, children }: PageSectionProps) {
  const headingId = useId();
  return (
    <section aria-labelledby={headingId} className="flex flex-col gap-4">
      <div className="flex flex-wrap items-start justify-between gap-3">
        <div className="flex min-w-0 flex-col gap-1">
          <h2 id={headingId} className="text-lg font-semibold">
            {title}
          </h2>
          {intro !== undefined && <p className="text-sm text-muted-foreground">{intro}</p>}
        </div>
        {action}
      </div>
      {children}
    </section>
  );
}
