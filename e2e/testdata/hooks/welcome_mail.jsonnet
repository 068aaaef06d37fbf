// The welcome mail (registration after password, response ignore). The test
// renders this template itself and compares the bytes the receiver got.
function(ctx) {
  template: 'welcome',
  to: ctx.identity.traits.email,
  user_id: ctx.identity.id,
  greeting: 'Hello %s!' % std.get(std.get(ctx.identity.traits, 'name', {}), 'first', 'there'),
}
