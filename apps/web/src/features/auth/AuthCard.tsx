import type { FormEvent, ReactNode } from "react";
import { Button } from "../../components/ui/button.tsx";

interface AuthCardProps {
  title: string;
  intro: string;
  submitLabel: string;
  isPending: boolean;
  error: string | undefined;
  onSubmit: () => void;
  children: ReactNode;
}

/** The centred card that setup and sign-in share. */
export function AuthCard({ title, intro, submitLabel, isPending, error, onSubmit, children }: AuthCardProps) {
  const submit = (event: FormEvent) => {
    event.preventDefault();
    onSubmit();
  };
  return (
    <main className="flex min-h-full items-center justify-center bg-sidebar p-4">
      <form onSubmit={submit} className="flex w-full max-w-sm flex-col gap-4 rounded-lg border bg-card p-6 shadow-sm">
        <div className="flex items-center gap-3">
          <img src="/icon.svg" alt="" className="size-10" />
          <h1 className="text-xl font-semibold">{title}</h1>
        </div>
        <p className="text-sm text-muted-foreground">{intro}</p>
        {children}
        {error !== undefined && (
          <p role="alert" className="rounded-md border border-destructive px-3 py-2 text-sm text-destructive">
            {error}
          </p>
        )}
        <Button type="submit" variant="primary" disabled={isPending}>
          {submitLabel}
        </Button>
      </form>
    </main>
  );
}
