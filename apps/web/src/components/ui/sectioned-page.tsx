import type { ReactNode } from "react";
import { Link } from "wouter";

export interface SectionedPageProps {
  /** The page's heading (its only h1). */
  title: string;
  /** The sections' navigation landmark's name ("Settings sections"). */
  navLabel: string;
  sections: readonly { href: string; label: string }[];
  /** The href of the section shown now. */
  current: string;
  children: ReactNode;
}

/**
 * A page of sections, one shown at a time: the sections as links, a column beside the content on wide
 * screens and a row that scrolls sideways on narrow ones; the one shown is marked as the current page.
 */
export function SectionedPage({ title, navLabel, sections, current, children }: SectionedPageProps) {
  return (
    <div className="h-full overflow-y-auto">
      <div className="mx-auto flex max-w-4xl flex-col gap-6 p-4 md:p-8">
        <h1 className="text-2xl font-semibold">{title}</h1>
        <div className="flex flex-col gap-6 md:flex-row">
          <nav aria-label={navLabel} className="shrink-0 md:w-52">
            <ul className="flex gap-1 overflow-x-auto md:flex-col">
              {sections.map((section) => (
                <li key={section.href} className="shrink-0">
                  <Link
                    href={section.href}
                    aria-current={section.href === current ? "page" : undefined}
                    className="flex h-9 items-center rounded-md px-3 text-sm hover:bg-accent aria-[current=page]:bg-accent aria-[current=page]:font-medium pointer-coarse:h-11"
                  >
                    {section.label}
                  </Link>
                </li>
              ))}
            </ul>
          </nav>
          <div className="min-w-0 flex-1">{children}</div>
        </div>
      </div>
    </div>
  );
}
