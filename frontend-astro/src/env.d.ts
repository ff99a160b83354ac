declare namespace App {
  interface Locals {
    /** The session's user (src/middleware.ts): whose likes this browser may post. */
    visitor: import('./lib/session.ts').Visitor;
  }
}
