/**
 * One decorator function that works under both decorator flavours:
 * TC39 standard decorators (`(method, context)`) and TypeScript's
 * `experimentalDecorators` (`(prototype, key, descriptor)`).
 */

/** A method decorator usable with TC39 standard decorators and with `experimentalDecorators`. */
export interface MethodDecorator {
  <This, Args extends any[], Return>(
    method: (this: This, ...args: Args) => Return,
    context: ClassMethodDecoratorContext<This, (this: This, ...args: Args) => Return>,
  ): (this: This, ...args: Args) => Return;
  (target: object, propertyKey: string | symbol, descriptor: PropertyDescriptor): PropertyDescriptor;
}

/** Builds a {@link MethodDecorator} from `wrap(method, methodName)`. */
export function methodDecorator(decoratorName: string, wrap: (method: Function, methodName: string) => Function): MethodDecorator {
  function decorate(target: unknown, keyOrContext: unknown, descriptor?: PropertyDescriptor): unknown {
    if (isStandardContext(keyOrContext)) {
      if (keyOrContext.kind !== "method" || typeof target !== "function") {
        throw new TypeError(`@${decoratorName}() decorates methods; it was applied to a ${keyOrContext.kind}`);
      }
      return wrap(target, nameOf(keyOrContext.name));
    }
    if (descriptor && typeof descriptor.value === "function") {
      return { ...descriptor, value: wrap(descriptor.value as Function, nameOf(keyOrContext as string | symbol)) };
    }
    throw new TypeError(`@${decoratorName}() decorates methods`);
  }
  return decorate as MethodDecorator;
}

function isStandardContext(value: unknown): value is { kind: string; name: string | symbol } {
  return typeof value === "object" && value !== null && typeof (value as { kind?: unknown }).kind === "string";
}

function nameOf(key: string | symbol): string {
  return typeof key === "symbol" ? (key.description ?? "anonymous") : key;
}

/** Gives `wrapper` the `name` and `length` of `original`, so wrapping does not show. */
export function copyFunctionShape(wrapper: Function, original: Function): void {
  try {
    Object.defineProperty(wrapper, "name", { value: original.name, configurable: true });
    Object.defineProperty(wrapper, "length", { value: original.length, configurable: true });
  } catch {
    // a non-configurable name or length is left as it is
  }
}
