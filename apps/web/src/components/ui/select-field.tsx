import { type ReactNode, type Ref, type SelectHTMLAttributes, useId } from "react";

export interface SelectFieldProps extends SelectHTMLAttributes<HTMLSelectElement> {
  label: string;
  /** Shown under the field and tied to it (aria-describedby). */
  hint?: string | undefined;
  children: ReactNode;
  ref?: Ref<HTMLSelectElement>;
}

/** A labelled native select (the platform's own picker on phones), with its hint announced with it. */
export function SelectField({ label, hint, className = "", id, children, ...props }: SelectFieldProps) {
  const generated = useId();
  const selectId = id ?? generated;
  const hintId = `${selectId}-hint`;
  return (
    <div className={`flex flex-col gap-1.5 ${className}`}>
      <label htmlFor={selectId} className="text-sm font-medium">
        {label}
      </label>
      <select
        id={selectId}
        aria-describedby={hint === undefined ? undefined : hintId}
        className="h-10 rounded-md border border-input bg-background px-2 text-base text-foreground sm:text-sm pointer-coarse:h-11"
        {...props}
      >
        {children}
      </select>
      {hint !== undefined && (
        <p id={hintId} className="text-sm text-muted-foreground">
          {hint}
        </p>
      )}
    </div>
  );
}
