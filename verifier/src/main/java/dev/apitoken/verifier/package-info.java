/** Offline verification of ApiToken JWTs. */
package dev.apitoken.verifier;
