/**
 * What a new test user looks like: real test users get a random name when none is given
 * (first name, a random middle name of letters, a surname), an address at `tfbnw.net`, a
 * generated password and a login URL under developers.facebook.com.
 */
import { randomBytes, randomInt } from 'node:crypto';

const FIRST = ['Maria', 'James', 'Linda', 'Robert', 'Susan', 'David', 'Karen', 'Richard', 'Nancy', 'Joseph', 'Betty', 'Thomas', 'Dorothy', 'Charles', 'Sandra', 'Daniel', 'Helen', 'Mark', 'Donna', 'Paul'];
const LAST = ['Smithberg', 'Johnsonsen', 'Wongwitz', 'Okafoson', 'Greeneman', 'Martinazzi', 'Lisberg', 'Rosenthalman', 'Changsky', 'Bowersen', 'Dinglesteinman', 'Fallerwitz'];

function letters(n: number): string {
  const abc = 'abcdefghij';
  let s = '';
  for (let i = 0; i < n; i++) s += abc[randomInt(0, abc.length)];
  return s;
}

export function randomTestUserName(): { name: string; first: string; middle: string; last: string } {
  const first = FIRST[randomInt(0, FIRST.length)];
  const middle = 'A' + letters(11);
  const last = LAST[randomInt(0, LAST.length)];
  return { name: `${first} ${middle} ${last}`, first, middle, last };
}

export function testUserEmail(name: string, idSuffix: string): string {
  const slug = name
    .toLowerCase()
    .normalize('NFKD')
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '')
    .slice(0, 40);
  return `${slug || 'test_user'}_${idSuffix}@tfbnw.net`;
}

export function testUserPassword(): string {
  return randomBytes(9).toString('base64url');
}

export function testUserLoginUrl(id: string): string {
  return `https://developers.facebook.com/checkpoint/test-user-login/${id}/`;
}
