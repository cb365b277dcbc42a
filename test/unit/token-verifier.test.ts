import { createTokenVerifier, signToken } from '../../src/auth/jwt';
import { sleep } from '../support/wait';

// R6: a verified token is remembered (a dashboard sends the same one with every request), but never past its `exp`.
describe('R6: token verification remembered per token', () => {
  const config = { jwtSecret: 'unit-secret', jwtIssuer: undefined, jwtAudience: undefined };

  it('answers a remembered token until its exp, then refuses it', async () => {
    const verify = createTokenVerifier(config);
    const token = await signToken(config, { sub: 'u1', expiresIn: '2s' });
    await expect(verify(token)).resolves.toEqual({ sub: 'u1', operator: false });
    await expect(verify(token)).resolves.toEqual({ sub: 'u1', operator: false });
    await sleep(2_100);
    await expect(verify(token)).rejects.toThrow();
  });

  it('never lets a token signed with another secret through, before or after a good one', async () => {
    const verify = createTokenVerifier(config);
    const forged = await signToken({ ...config, jwtSecret: 'another-secret' }, { sub: 'u1' });
    await expect(verify(forged)).rejects.toThrow();
    await verify(await signToken(config, { sub: 'u1' }));
    await expect(verify(forged)).rejects.toThrow();
  });
});
