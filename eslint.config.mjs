// Lints every project's TypeScript and the repository's JS scripts. Generated wire types are left alone.
import js from "@eslint/js";
import globals from "globals";
import tseslint from "typescript-eslint";

export default tseslint.config(
  { ignores: ["**/dist/**", "**/out-tsc/**", "**/node_modules/**", "**/src/gen/**", "**/.nx/**", "**/tmp/**"] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
    },
  },
  {
    // CommonJS scripts: .cjs anywhere, and the packages' committed bin shims.
    files: ["**/*.cjs", "packages/*/bin/*.js"],
    languageOptions: { sourceType: "commonjs" },
    rules: { "@typescript-eslint/no-require-imports": "off" },
  },
  {
    // Tests poke at loosely typed protocol objects; `any` there is a convenience, not an API.
    files: ["**/test/**/*.ts"],
    rules: { "@typescript-eslint/no-explicit-any": "off" },
  },
);
