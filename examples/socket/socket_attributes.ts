// Socket attributes and options: family, type, names, fileno, setsockopt/getsockopt.
// Also the name-service helpers: gethostname, gethostbyname, getservbyname,
// inet_aton/inet_ntoa, htons/ntohs.
//   node dist/examples/socket/socket_attributes.js
import * as s from 'posixkit/socket';

const names = (prefix: string, value: number) => Object.keys(s.constants).filter((k) => k.startsWith(prefix) && s.constants[k] === value);

const sockfd = s.socket(s.AF_INET, s.SOCK_STREAM);
// Options are best set right after creating the socket (before bind).
console.log('SO_REUSEADDR before:', sockfd.getsockopt(s.SOL_SOCKET, s.SO_REUSEADDR));
sockfd.setsockopt(s.SOL_SOCKET, s.SO_REUSEADDR, 1);
console.log('SO_REUSEADDR after: ', sockfd.getsockopt(s.SOL_SOCKET, s.SO_REUSEADDR));
sockfd.bind(['127.0.0.1', 0]);
sockfd.listen(5);
console.log('family:', sockfd.family, names('AF_', sockfd.family));
console.log('type:', sockfd.type, names('SOCK_', sockfd.type));
console.log('getsockname():', sockfd.getsockname());
console.log('fileno():', sockfd.fileno(), '(0, 1, 2 are stdin, stdout, stderr)');
console.log('SO_RCVBUF:', sockfd.getsockopt(s.SOL_SOCKET, s.SO_RCVBUF));

const client = s.create_connection(sockfd.getsockname() as [string, number]);
const [connfd, addr] = sockfd.accept();
console.log('accepted from', addr, '; connfd.getpeername():', connfd.getpeername());
console.log('client.getpeername():', client.getpeername(), '; client.getsockname():', client.getsockname());
console.log('TCP_NODELAY:', connfd.getsockopt(s.IPPROTO_TCP, s.TCP_NODELAY));
for (const x of [client, connfd, sockfd]) x.close();

console.log('gethostname():', s.gethostname());
console.log("gethostbyname('localhost'):", s.gethostbyname('localhost'));
console.log("gethostbyaddr('127.0.0.1'):", s.gethostbyaddr('127.0.0.1'));
console.log("getservbyname('http'):", s.getservbyname('http'));
console.log("inet_aton('192.168.1.2'):", s.inet_aton('192.168.1.2'));
console.log('inet_ntoa(<c0 a8 01 02>):', s.inet_ntoa(Buffer.from([192, 168, 1, 2])));
console.log('htons(8888):', s.htons(8888), ' ntohs(htons(8888)):', s.ntohs(s.htons(8888)));
