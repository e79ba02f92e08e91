// Lets Node 24 run the TypeScript sources directly (bench/, scripts): they
// import each other as `.js` (what tsc emits), so a missing `.js` resolves to
// the `.ts` beside it. Use with --experimental-transform-types.
import { registerHooks } from 'node:module';

registerHooks({
  resolve(specifier, context, nextResolve) {
    try {
      return nextResolve(specifier, context);
    } catch (error) {
      if (specifier.startsWith('.') && specifier.endsWith('.js')) {
        return nextResolve(`${specifier.slice(0, -3)}.ts`, context);
      }
      throw error;
    }
  },
});
