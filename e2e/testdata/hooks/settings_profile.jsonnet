// The profile check (settings after profile, parse): the receiver answers
// with these traits, first name upper-cased, as an identity patch.
function(ctx) {
  traits: ctx.identity.traits,
}
