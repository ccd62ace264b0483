/** Injection token of the frozen {@link ApiConfig}, read once in main. */
export const ApiConfigToken = Symbol('ApiConfig');
