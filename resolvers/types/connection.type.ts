import { ClassType, Field, Int, ObjectType } from 'type-graphql';

@ObjectType('PageInfo', { description: 'Relay page information.' })
export class PageInfoType {
  @Field({ description: 'True when more items follow endCursor.' }) hasNextPage: boolean;
  @Field(() => String, { nullable: true, description: 'Pass as `after` to get the next page; null on an empty page.' }) endCursor: string | null;
}

export interface ConnectionShape<T> {
  edges: Array<{ cursor: string; node: T }>;
  nodes: T[];
  pageInfo: PageInfoType;
  totalCount: number;
}

/** A Relay connection type `<name>Connection` with its `<name>Edge`, over any node type. */
export function ConnectionType<T extends object>(name: string, node: ClassType<T>, what: string) {
  @ObjectType(`${name}Edge`, { description: `One ${what} and its cursor.` })
  class Edge {
    @Field({ description: 'Opaque cursor of this edge.' }) cursor: string;
    @Field(() => node, { description: `The ${what}.` }) node: T;
  }
  @ObjectType(`${name}Connection`, { description: `A page of ${what}s (Relay connection; \`first\` at most 100).` })
  class Connection implements ConnectionShape<T> {
    @Field(() => [Edge], { description: 'The page, with cursors.' }) edges: Edge[];
    @Field(() => [node], { description: 'The page, without cursors.' }) nodes: T[];
    @Field(() => PageInfoType, { description: 'Where the page ends.' }) pageInfo: PageInfoType;
    @Field(() => Int, { description: `How many ${what}s match, over all pages.` }) totalCount: number;
  }
  return Connection;
}
