import { type InputHTMLAttributes, type Ref, useId } from "react";

export interface TextFieldProps extends InputHTMLAttributes<HTMLInputElement> {
  label: string;
  /** Shown under the field and tied to it (aria-describedby); an error sets aria-invalid. */
  hint?: string | undefined;
  error?: string | undefined;
  ref?: Ref<HTMLInputElement>;
}

/** A labelled text input, with its hint or error announced with it. */
export function TextField({ label, hint, error, className = "", id, ...props }: TextFieldProps) {
  const generated = useId();
  const inputId = id ?? generated;
  const noteId = `${inputId}-note`;
  const note = error ?? hint;
  return (
    <div className={`flex flex-col gap-1.5 ${className}`}>
      <label htmlFor={inputId} className="text-sm font-medium">
        {label}
      </label>
      <input
        id={inputId}
        aria-invalid={error !== undefined || undefined}
        aria-describedby={note === undefined ? undefined : noteId}
        className="h-10 rounded-md border border-input bg-background px-3 text-base text-foreground placeholder:text-muted-foreground sm:text-sm pointer-coarse:h-11"
        {...props}
      />
      {note !== undefined && (
        <p id={noteId} className={`text-sm ${error === undefined ? "text-muted-foreground" : "text-destructive"}`}>
          {note}
        </p>
      )}
    </div>
  );
}
