// Body of the synchronous sign-up check (registration after password,
// response parse). It sends the e-mail and the invite code that a client may
// put into the submit's transient_payload, e.g.
//   {"method":"password", …, "transient_payload":{"invite_code":"ABC123"}}
// Kratos v1.3.1 keeps transient_payload under ctx.flow, not at the top level,
// and leaves it out when the submit had none: hence the std.get defaults.
function(ctx) {
  email: ctx.identity.traits.email,
  invite_code: std.get(std.get(ctx.flow, 'transient_payload', {}), 'invite_code', null),
}
