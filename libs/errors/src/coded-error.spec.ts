import { CodedError } from './coded-error';

class WidgetError extends CodedError<'bent' | 'lost'> {
  override readonly name = 'WidgetError';
}

describe('CodedError', () => {
  it('keeps code, message, cause and the subclass identity', () => {
    const cause = new Error('disk full');
    const error = new WidgetError('lost', 'The widget is lost: look under the sofa.', { cause });
    expect(error).toBeInstanceOf(WidgetError);
    expect(error).toBeInstanceOf(Error);
    expect(error.code).toBe('lost');
    expect(error.name).toBe('WidgetError');
    expect(error.message).toBe('The widget is lost: look under the sofa.');
    expect(error.cause).toBe(cause);
    expect(String(error)).toBe('WidgetError: The widget is lost: look under the sofa.');
  });
});
