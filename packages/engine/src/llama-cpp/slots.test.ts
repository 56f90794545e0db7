import { describe, expect, it } from "vitest";
import { Slots } from "./slots.ts";

describe("Slots", () => {
  it("grants in arrival order once a slot frees", async () => {
    const slots = new Slots(1);
    const order: number[] = [];
    const first = await slots.acquire();
    const waiting = [1, 2].map(async (index) => {
      const release = await slots.acquire();
      order.push(index);
      return release;
    });
    expect(slots.waiting).toBe(2);
    first();
    (await waiting[0])?.();
    (await waiting[1])?.();
    expect(order).toEqual([1, 2]);
    expect(slots.isIdle).toBe(true);
  });

  it("drops a waiter whose signal aborts, and ignores a double release", async () => {
    const slots = new Slots(1);
    const held = await slots.acquire();
    const controller = new AbortController();
    const abandoned = slots.acquire(controller.signal);
    controller.abort(new Error("gone"));
    await expect(abandoned).rejects.toThrow("gone");
    expect(slots.waiting).toBe(0);
    held();
    held();
    const again = await slots.acquire();
    expect(slots.isIdle).toBe(false);
    again();
    expect(slots.isIdle).toBe(true);
  });

  it("rejects, never throws, when the signal has already aborted (issue: Stop right after Send)", async () => {
    const slots = new Slots(1);
    const controller = new AbortController();
    controller.abort("cancel");
    let acquired: Promise<() => void> | undefined;
    expect(() => {
      acquired = slots.acquire(controller.signal);
    }).not.toThrow();
    await expect(acquired).rejects.toBe("cancel");
    expect(slots.isIdle).toBe(true);
  });
});
